// The authorise stage's cost per check with 10,000 ACLs: 2,000 users, each with literal
// Read/Write on their own topics, a prefixed Write on a team prefix and Read on a group,
// plus wildcard and deny bindings. Checks that are allowed by a literal, by a prefix,
// refused (no binding), and the whole stage for a JoinGroup, against --authorizer none.
import { memoryClusterMetadata } from '../src/broker/cluster-metadata-document.js';
import { authorizeStage } from '../src/network/stages/authorize-stage.js';
import { AclAuthorizer, allowEverything } from '../src/security/acl-authorizer.js';
import { AclOperation as Op, AclPermission, PatternType, ResourceType, type AclBinding } from '../src/services/acls.js';
import { anonymousSession, type Session } from '../src/services/session.js';
import { ApiKey } from '../src/protocol/generated/api-keys.js';
import type { StagedRequest } from '../src/network/pipeline.js';
import { ratio, runBench, type BenchTask } from './harness.js';

const USERS = 2_000;
const bindings: AclBinding[] = [];
const acl = (over: Partial<AclBinding>): AclBinding => ({ resourceType: ResourceType.TOPIC, resourceName: 'x', patternType: PatternType.LITERAL, principal: 'User:x', host: '*', operation: Op.READ, permission: AclPermission.ALLOW, ...over });
for (let u = 0; u < USERS; u++) {
  const principal = `User:user-${u}`;
  bindings.push(acl({ principal, resourceName: `orders-${u}`, operation: Op.READ }));
  bindings.push(acl({ principal, resourceName: `orders-${u}`, operation: Op.WRITE }));
  bindings.push(acl({ principal, resourceName: `team-${u % 100}.`, patternType: PatternType.PREFIXED, operation: Op.WRITE }));
  bindings.push(acl({ principal, resourceType: ResourceType.GROUP, resourceName: `app-${u}`, operation: Op.READ }));
  bindings.push(acl({ principal, resourceName: `audit-${u}`, operation: Op.WRITE, permission: AclPermission.DENY }));
}
bindings.push(acl({ principal: 'User:*', resourceName: '*', operation: Op.DESCRIBE }));
if (bindings.length !== 10_001) throw new Error(`expected 10,001 bindings, made ${bindings.length}`);

const silent = { record: () => undefined };
const acls = new AclAuthorizer(memoryClusterMetadata(), bindings, { superUsers: ['User:admin'], allowEveryoneIfNoAclFound: false, audit: silent });
const session = (principal: string): Session => ({ ...anonymousSession('SASL_SSL', '10.1.2.3'), principal, authenticated: true });
const alice = session('User:user-1234');
const joinGroup = (group: string): StagedRequest => ({ apiKey: ApiKey.JoinGroup, apiVersion: 9, header: { requestApiKey: ApiKey.JoinGroup, requestApiVersion: 9, correlationId: 1, clientId: 'c' }, body: { groupId: group }, session: alice });
const withAcls = authorizeStage(acls);
const without = authorizeStage(allowEverything);
const join = joinGroup('app-1234');

const tasks: BenchTask[] = [
  { name: 'literal allow (Write orders-1234)', fn: () => acls.allows(alice, Op.WRITE, ResourceType.TOPIC, 'orders-1234') },
  { name: 'implied allow (Describe orders-1234)', fn: () => acls.allows(alice, Op.DESCRIBE, ResourceType.TOPIC, 'orders-1234') },
  { name: 'prefixed allow (Write team-34.payments.eu-west-1)', fn: () => acls.allows(alice, Op.WRITE, ResourceType.TOPIC, 'team-34.payments.eu-west-1') },
  { name: 'refused (Read orders-999, quiet)', fn: () => acls.allows(alice, Op.READ, ResourceType.TOPIC, 'orders-999', true) },
  { name: 'super user', fn: () => acls.allows(session('User:admin'), Op.ALTER, ResourceType.CLUSTER, 'kafka-cluster') },
  { name: 'stage: JoinGroup with ACLs', fn: () => withAcls.admit(join) },
  { name: 'stage: JoinGroup, authorizer none', fn: () => without.admit(join) },
];
const rows = await runBench('authorizer', tasks);
for (const r of rows) console.log(`${r.name}: ${(1e6 / r.opsPerSec).toFixed(3)} µs per check`);
console.log(`stage with 10,000 ACLs / authorizer none: ${ratio(rows, 'stage: JoinGroup, authorizer none', 'stage: JoinGroup with ACLs').toFixed(1)}x slower`);
