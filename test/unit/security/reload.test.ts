// Cluster mode: users, ACLs and quotas another broker changed are taken from the shared store
// (reload): what the store holds replaces what this broker had, additions and removals alike.
import { describe, expect, it } from 'vitest';
import { memoryClusterMetadata } from '../../../src/broker/cluster-metadata-document.js';
import { AclAuthorizer } from '../../../src/security/acl-authorizer.js';
import { ClientQuotas } from '../../../src/security/client-quotas.js';
import { ScramCredentials } from '../../../src/security/credentials.js';
import { AclOperation, AclPermission, PatternType, ResourceType } from '../../../src/services/acls.js';
import { anonymousSession } from '../../../src/services/session.js';

describe('reloading security state from the shared store', () => {
  it('takes users, ACLs and quotas as another broker left them', async () => {
    // Broker A writes; broker B (its own objects over the same store) reloads.
    const store = memoryClusterMetadata();
    const usersA = new ScramCredentials(store, [], ['SCRAM-SHA-256']);
    const usersB = new ScramCredentials(store, [], ['SCRAM-SHA-256']);
    await usersA.setPassword('alice', 'SCRAM-SHA-256', 'pw');
    expect(usersB.lookup('alice', 'SCRAM-SHA-256')).toBeUndefined();
    usersB.reload(await store.scramCredentials());
    expect(usersB.lookup('alice', 'SCRAM-SHA-256')).toBeDefined();
    await usersA.delete('alice', 'SCRAM-SHA-256');
    usersB.reload(await store.scramCredentials());
    expect(usersB.lookup('alice', 'SCRAM-SHA-256')).toBeUndefined();

    const options = { superUsers: [], allowEveryoneIfNoAclFound: false, audit: { record: () => undefined } };
    const aclsA = new AclAuthorizer(store, [], options);
    const aclsB = new AclAuthorizer(store, [], options);
    const session = { ...anonymousSession('PLAINTEXT', '127.0.0.1'), principal: 'User:bob' };
    const binding = { resourceType: ResourceType.TOPIC, resourceName: 'orders', patternType: PatternType.LITERAL, principal: 'User:bob', host: '*', operation: AclOperation.READ, permission: AclPermission.ALLOW };
    await aclsA.create([binding]);
    expect(aclsB.allows(session, AclOperation.READ, ResourceType.TOPIC, 'orders', true)).toBe(false);
    aclsB.reload(await store.acls());
    expect(aclsB.allows(session, AclOperation.READ, ResourceType.TOPIC, 'orders', true)).toBe(true);
    await aclsA.delete([{ ...binding }]);
    aclsB.reload(await store.acls());
    expect(aclsB.allows(session, AclOperation.READ, ResourceType.TOPIC, 'orders', true)).toBe(false);

    const quotasA = new ClientQuotas(store, []);
    const quotasB = new ClientQuotas(store, []);
    await quotasA.alter({ user: 'bob' }, { producer_byte_rate: 1024 });
    expect(quotasB.active).toBe(false);
    quotasB.reload(await store.clientQuotas());
    expect(quotasB.describe([], false)).toEqual([{ entity: { user: 'bob' }, values: { producer_byte_rate: 1024 } }]);
  });
});
