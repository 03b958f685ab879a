// Kafka's ACL semantics, decision by decision: deny wins, implied operations, prefixed and
// wildcard patterns, hosts, super users, allow.everyone.if.no.acl.found, filters.
import { describe, expect, it } from 'vitest';
import { memoryClusterMetadata } from '../../../src/broker/cluster-metadata-document.js';
import { AclAuthorizer } from '../../../src/security/acl-authorizer.js';
import { AclOperation as Op, AclPermission, PatternType, ResourceType, type AclBinding } from '../../../src/services/acls.js';
import type { AuditEvent } from '../../../src/services/audit.js';
import { anonymousSession, type Session } from '../../../src/services/session.js';

const session = (principal: string, host = '10.0.0.1'): Session => ({ ...anonymousSession('SASL_PLAINTEXT', host), principal, authenticated: true });
const alice = session('User:alice');
const bob = session('User:bob');

function acl(over: Partial<AclBinding>): AclBinding {
  return { resourceType: ResourceType.TOPIC, resourceName: 'orders', patternType: PatternType.LITERAL, principal: 'User:alice', host: '*', operation: Op.READ, permission: AclPermission.ALLOW, ...over };
}

async function authorizer(bindings: AclBinding[], options: { superUsers?: string[]; allowEveryoneIfNoAclFound?: boolean } = {}) {
  const events: AuditEvent[] = [];
  const a = new AclAuthorizer(memoryClusterMetadata(), [], { superUsers: options.superUsers ?? [], allowEveryoneIfNoAclFound: options.allowEveryoneIfNoAclFound ?? false, audit: { record: (e) => events.push(e) } });
  const results = await a.create(bindings);
  expect(results.every((r) => r.ok)).toBe(true);
  return { a, events };
}

describe('ACL authorizer', () => {
  it('allows what a literal ALLOW names and nothing else; a denial is audited', async () => {
    const { a, events } = await authorizer([acl({})]);
    expect(a.allows(alice, Op.READ, ResourceType.TOPIC, 'orders')).toBe(true);
    expect(a.allows(alice, Op.WRITE, ResourceType.TOPIC, 'orders')).toBe(false);
    expect(a.allows(alice, Op.READ, ResourceType.TOPIC, 'orders2')).toBe(false);
    expect(a.allows(bob, Op.READ, ResourceType.TOPIC, 'orders')).toBe(false);
    expect(events.map((e) => [e.event, e.principal, e.resource, e.operation])).toEqual([
      ['acl_denied', 'User:alice', 'Topic:orders', 'Write'], ['acl_denied', 'User:alice', 'Topic:orders2', 'Read'], ['acl_denied', 'User:bob', 'Topic:orders', 'Read'],
    ]);
    a.allows(bob, Op.READ, ResourceType.TOPIC, 'orders', true);
    expect(events).toHaveLength(3);
  });

  it('implies Describe from Read, Write, Delete and Alter, and DescribeConfigs from AlterConfigs, but not the reverse', async () => {
    for (const op of [Op.READ, Op.WRITE, Op.DELETE, Op.ALTER]) {
      const { a } = await authorizer([acl({ operation: op })]);
      expect(a.allows(alice, Op.DESCRIBE, ResourceType.TOPIC, 'orders')).toBe(true);
    }
    const { a } = await authorizer([acl({ operation: Op.ALTER_CONFIGS }), acl({ resourceName: 'x', operation: Op.DESCRIBE })]);
    expect(a.allows(alice, Op.DESCRIBE_CONFIGS, ResourceType.TOPIC, 'orders')).toBe(true);
    expect(a.allows(alice, Op.READ, ResourceType.TOPIC, 'x')).toBe(false);
    expect(a.allows(alice, Op.DESCRIBE, ResourceType.TOPIC, 'orders')).toBe(false);
  });

  it('lets a DENY win over any ALLOW, and a DENY of All deny every operation', async () => {
    const { a } = await authorizer([acl({ operation: Op.ALL }), acl({ patternType: PatternType.PREFIXED, resourceName: 'ord', operation: Op.WRITE, permission: AclPermission.DENY })]);
    expect(a.allows(alice, Op.READ, ResourceType.TOPIC, 'orders')).toBe(true);
    expect(a.allows(alice, Op.WRITE, ResourceType.TOPIC, 'orders')).toBe(false);
    const { a: b } = await authorizer([acl({ operation: Op.READ }), acl({ resourceName: '*', principal: 'User:*', operation: Op.ALL, permission: AclPermission.DENY })]);
    expect(b.allows(alice, Op.READ, ResourceType.TOPIC, 'orders')).toBe(false);
    // Denying Read does not deny Describe (only an exact or All deny does).
    const { a: c } = await authorizer([acl({ operation: Op.DESCRIBE }), acl({ operation: Op.READ, permission: AclPermission.DENY })]);
    expect(c.allows(alice, Op.DESCRIBE, ResourceType.TOPIC, 'orders')).toBe(true);
  });

  it('matches prefixed patterns, the * wildcard, User:* and hosts', async () => {
    const { a } = await authorizer([
      acl({ patternType: PatternType.PREFIXED, resourceName: 'team-a.', operation: Op.WRITE }),
      acl({ resourceName: '*', principal: 'User:*', operation: Op.DESCRIBE }),
      acl({ resourceType: ResourceType.GROUP, resourceName: 'g', principal: 'User:bob', host: '10.0.0.9' }),
    ]);
    expect(a.allows(alice, Op.WRITE, ResourceType.TOPIC, 'team-a.orders')).toBe(true);
    expect(a.allows(alice, Op.WRITE, ResourceType.TOPIC, 'team-b.orders')).toBe(false);
    expect(a.allows(bob, Op.DESCRIBE, ResourceType.TOPIC, 'anything')).toBe(true);
    expect(a.allows(bob, Op.READ, ResourceType.GROUP, 'g')).toBe(false);
    expect(a.allows(session('User:bob', '10.0.0.9'), Op.READ, ResourceType.GROUP, 'g')).toBe(true);
  });

  it('lets super users do anything and applies allow.everyone.if.no.acl.found only to resources no ACL names', async () => {
    const { a } = await authorizer([acl({})], { superUsers: ['User:root'], allowEveryoneIfNoAclFound: true });
    expect(a.allows(session('User:root'), Op.ALTER, ResourceType.CLUSTER, 'kafka-cluster')).toBe(true);
    expect(a.allows(bob, Op.WRITE, ResourceType.TOPIC, 'unnamed')).toBe(true);
    expect(a.allows(bob, Op.WRITE, ResourceType.TOPIC, 'orders')).toBe(false);
    const { a: strict } = await authorizer([]);
    expect(strict.allows(bob, Op.WRITE, ResourceType.TOPIC, 'unnamed')).toBe(false);
  });

  it('answers authorizeByResourceType as Kafka: any uncovered allow, no whole-type deny', async () => {
    const { a } = await authorizer([acl({ resourceName: 'x', operation: Op.WRITE })]);
    expect(a.allowsAny(alice, Op.WRITE, ResourceType.TOPIC)).toBe(true);
    expect(a.allowsAny(bob, Op.WRITE, ResourceType.TOPIC)).toBe(false);
    const { a: denied } = await authorizer([acl({ resourceName: 'x', operation: Op.WRITE }), acl({ resourceName: '*', operation: Op.WRITE, permission: AclPermission.DENY })]);
    expect(denied.allowsAny(alice, Op.WRITE, ResourceType.TOPIC)).toBe(false);
    const { a: covered } = await authorizer([acl({ resourceName: 'x1', operation: Op.WRITE }), acl({ patternType: PatternType.PREFIXED, resourceName: 'x', operation: Op.WRITE, permission: AclPermission.DENY })]);
    expect(covered.allowsAny(alice, Op.WRITE, ResourceType.TOPIC)).toBe(false);
  });

  it('computes authorized-operation bit fields', async () => {
    const { a } = await authorizer([acl({ operation: Op.READ })]);
    expect(a.authorizedOperations(alice, ResourceType.TOPIC, 'orders')).toBe((1 << Op.READ) | (1 << Op.DESCRIBE));
  });

  it('refuses invalid bindings with INVALID_REQUEST, each on its own, and keeps the valid ones', async () => {
    const { a } = await authorizer([]);
    const results = await a.create([
      acl({ resourceType: ResourceType.ANY }), acl({ patternType: PatternType.MATCH }), acl({ operation: Op.ANY }), acl({ permission: AclPermission.ANY }),
      acl({ principal: 'alice' }), acl({ resourceType: ResourceType.CLUSTER, resourceName: 'other' }), acl({ resourceName: '' }), acl({}),
    ]);
    expect(results.map((r) => (r.ok ? 0 : r.errorCode))).toEqual([42, 42, 42, 42, 42, 42, 42, 0]);
    expect(a.describe({ resourceType: ResourceType.ANY, resourceName: null, patternType: PatternType.ANY, principal: null, host: null, operation: Op.ANY, permission: AclPermission.ANY })).toEqual([acl({})]);
  });

  it('selects with filters as Kafka: MATCH finds every binding that applies to a name; delete removes what it selects', async () => {
    const lit = acl({});
    const wild = acl({ resourceName: '*' });
    const pre = acl({ patternType: PatternType.PREFIXED, resourceName: 'ord' });
    const other = acl({ resourceName: 'other' });
    const { a } = await authorizer([lit, wild, pre, other]);
    const any = { resourceType: ResourceType.TOPIC, resourceName: 'orders', principal: null, host: null, operation: Op.ANY, permission: AclPermission.ANY };
    expect(a.describe({ ...any, patternType: PatternType.MATCH })).toHaveLength(3);
    expect(a.describe({ ...any, patternType: PatternType.LITERAL })).toEqual([lit]);
    expect(a.describe({ ...any, resourceName: 'ord', patternType: PatternType.PREFIXED })).toEqual([pre]);
    expect(a.describe({ ...any, resourceName: null, patternType: PatternType.ANY })).toHaveLength(4);
    const [deleted] = await a.delete([{ ...any, patternType: PatternType.MATCH }]);
    expect(deleted!.ok && deleted!.value).toHaveLength(3);
    expect(a.allows(alice, Op.READ, ResourceType.TOPIC, 'orders')).toBe(false);
    expect(a.allows(alice, Op.READ, ResourceType.TOPIC, 'other')).toBe(true);
  });
});
