// The ACL authorizer (`--authorizer acl`): Kafka's StandardAuthorizer semantics over the
// ACLs in the cluster metadata store.
//
//   super users may do anything; otherwise a DENY binding that matches wins; then an ALLOW
//   binding that matches (or implies the operation: Read, Write, Delete and Alter imply
//   Describe, AlterConfigs implies DescribeConfigs, All implies everything); a resource no
//   binding names at all is allowed only with allow.everyone.if.no.acl.found.
//
// Bindings are held in an index per resource type (literal names, the "*" wildcard, and
// prefixes by prefix), so a check costs a few map lookups per character of the name, not
// a scan of every ACL. Changes go to the store first and then to the index.
import { KafkaError } from '../errors.js';
import { ErrorCode } from '../protocol/generated/error-codes.js';
import {
  AclOperation as Op, AclPermission, CLUSTER_NAME, PatternType, ResourceType,
  operationName, resourceTypeName, type AccessControl, type AclAdmin, type AclBinding, type AclFilter, type AclResult,
} from '../services/acls.js';
import type { AuditLog } from '../services/audit.js';
import type { ClusterMetadataStore } from '../services/cluster-metadata.js';
import type { Session } from '../services/session.js';

export interface AclAuthorizerOptions {
  /** "User:admin" principals that bypass every check (--super-users). */
  superUsers: readonly string[];
  /** allow.everyone.if.no.acl.found */
  allowEveryoneIfNoAclFound: boolean;
  audit: AuditLog;
}

/** The bindings of one resource type. */
interface TypeIndex {
  literal: Map<string, AclBinding[]>;
  prefixed: Map<string, AclBinding[]>;
}

/** The operations an ALLOW of each operation grants besides itself. */
const IMPLIED_BY: ReadonlyMap<number, readonly number[]> = new Map([
  [Op.DESCRIBE, [Op.READ, Op.WRITE, Op.DELETE, Op.ALTER]],
  [Op.DESCRIBE_CONFIGS, [Op.ALTER_CONFIGS]],
]);

/** The operations Kafka reports in an authorized-operations bit field, per resource type. */
const SUPPORTED_OPS: ReadonlyMap<number, readonly number[]> = new Map([
  [ResourceType.TOPIC, [Op.READ, Op.WRITE, Op.CREATE, Op.DELETE, Op.ALTER, Op.DESCRIBE, Op.DESCRIBE_CONFIGS, Op.ALTER_CONFIGS]],
  [ResourceType.GROUP, [Op.READ, Op.DELETE, Op.DESCRIBE]],
  [ResourceType.CLUSTER, [Op.CREATE, Op.CLUSTER_ACTION, Op.DESCRIBE_CONFIGS, Op.ALTER_CONFIGS, Op.IDEMPOTENT_WRITE, Op.ALTER, Op.DESCRIBE]],
  [ResourceType.TRANSACTIONAL_ID, [Op.DESCRIBE, Op.WRITE]],
]);

const keyOf = (b: AclBinding): string => `${b.resourceType}\u0000${b.resourceName}\u0000${b.patternType}\u0000${b.principal}\u0000${b.host}\u0000${b.operation}\u0000${b.permission}`;

export class AclAuthorizer implements AccessControl, AclAdmin {
  readonly enabled = true;
  private readonly superUsers: ReadonlySet<string>;
  private readonly index = new Map<number, TypeIndex>();
  private readonly all = new Map<string, AclBinding>();

  /** `initial`: the store's ACLs as read at start. */
  constructor(private readonly store: ClusterMetadataStore, initial: readonly AclBinding[], private readonly options: AclAuthorizerOptions) {
    this.superUsers = new Set(options.superUsers);
    for (const b of initial) this.insert(b);
  }

  // --- decisions ---

  allows(session: Session, operation: number, resourceType: number, name: string, quiet = false): boolean {
    const allowed = this.decide(session, operation, resourceType, name);
    if (!allowed && !quiet) {
      this.options.audit.record({
        event: 'acl_denied', principal: session.principal, clientHost: session.clientHost, listener: session.listener,
        resource: `${resourceTypeName(resourceType)}:${name}`, operation: operationName(operation),
      });
    }
    return allowed;
  }

  private decide(session: Session, operation: number, resourceType: number, name: string): boolean {
    if (this.superUsers.has(session.principal)) return true;
    const type = this.index.get(resourceType);
    if (type === undefined) return this.options.allowEveryoneIfNoAclFound;
    let any = false;
    let allowed = false;
    const consider = (bindings: AclBinding[] | undefined): boolean => {
      if (bindings === undefined) return false;
      for (const b of bindings) {
        any = true;
        if (b.principal !== session.principal && b.principal !== 'User:*') continue;
        if (b.host !== '*' && b.host !== session.clientHost) continue;
        if (b.permission === AclPermission.DENY) {
          if (b.operation === operation || b.operation === Op.ALL) return true; // denied
        } else if (!allowed && (b.operation === operation || b.operation === Op.ALL || (IMPLIED_BY.get(operation)?.includes(b.operation) ?? false))) {
          allowed = true;
        }
      }
      return false;
    };
    if (consider(type.literal.get(name)) || consider(type.literal.get('*'))) return false;
    for (let i = 0; i <= name.length; i++) {
      if (consider(type.prefixed.get(name.slice(0, i)))) return false;
    }
    if (allowed) return true;
    return !any && this.options.allowEveryoneIfNoAclFound;
  }

  allowsAny(session: Session, operation: number, resourceType: number): boolean {
    if (this.superUsers.has(session.principal)) return true;
    const type = this.index.get(resourceType);
    if (type === undefined) return this.options.allowEveryoneIfNoAclFound;
    // As Kafka's authorizeByResourceType: a deny of the whole type ("*" or the empty
    // prefix) refuses; otherwise any allow whose pattern no deny covers grants.
    const mine = (b: AclBinding): boolean => (b.principal === session.principal || b.principal === 'User:*') && (b.host === '*' || b.host === session.clientHost);
    const denies = (b: AclBinding): boolean => b.permission === AclPermission.DENY && mine(b) && (b.operation === operation || b.operation === Op.ALL);
    const grants = (b: AclBinding): boolean => b.permission === AclPermission.ALLOW && mine(b) && (b.operation === operation || b.operation === Op.ALL);
    if ((type.literal.get('*') ?? []).some(denies) || (type.prefixed.get('') ?? []).some(denies)) return false;
    const deniedPrefixes = [...type.prefixed].filter(([, bs]) => bs.some(denies)).map(([p]) => p);
    const deniedLiterals = new Set([...type.literal].filter(([, bs]) => bs.some(denies)).map(([n]) => n));
    const covered = (name: string, prefixed: boolean): boolean => deniedPrefixes.some((p) => name.startsWith(p)) || (!prefixed && deniedLiterals.has(name));
    for (const [name, bs] of type.literal) if (bs.some(grants) && !covered(name, false)) return true;
    for (const [prefix, bs] of type.prefixed) if (bs.some(grants) && !covered(prefix, true)) return true;
    return false;
  }

  authorizedOperations(session: Session, resourceType: number, name: string): number {
    let bits = 0;
    for (const op of SUPPORTED_OPS.get(resourceType) ?? []) if (this.decide(session, op, resourceType, name)) bits |= 1 << op;
    return bits;
  }

  // --- administration ---

  describe(filter: AclFilter): AclBinding[] {
    return [...this.all.values()].filter((b) => matchesFilter(b, filter)).map((b) => ({ ...b }));
  }

  async create(bindings: AclBinding[]): Promise<Array<AclResult<void>>> {
    const results: Array<AclResult<void>> = bindings.map((b) => {
      const problem = invalidBinding(b);
      return problem === undefined ? { ok: true, value: undefined } : { ok: false, errorCode: ErrorCode.INVALID_REQUEST, message: problem };
    });
    const valid = bindings.filter((_, i) => results[i]!.ok);
    if (valid.length > 0) {
      await this.store.addAcls(valid);
      for (const b of valid) this.insert(b);
    }
    return results;
  }

  async delete(filters: AclFilter[]): Promise<Array<AclResult<AclBinding[]>>> {
    const matched = filters.map((f) => this.describe(f));
    const gone = matched.flat();
    if (gone.length > 0) {
      await this.store.removeAcls(gone);
      for (const b of gone) this.remove(b);
    }
    return matched.map((value) => ({ ok: true, value }));
  }

  /** Takes the store's ACLs as they are now (cluster mode: another broker may have changed them). */
  reload(bindings: readonly AclBinding[]): void {
    const now = new Map(bindings.map((b) => [keyOf(b), b]));
    for (const [key, b] of [...this.all]) if (!now.has(key)) this.remove(b);
    for (const b of bindings) this.insert(b);
  }

  private insert(b: AclBinding): void {
    const key = keyOf(b);
    if (this.all.has(key)) return;
    this.all.set(key, b);
    let type = this.index.get(b.resourceType);
    if (type === undefined) this.index.set(b.resourceType, (type = { literal: new Map(), prefixed: new Map() }));
    const map = b.patternType === PatternType.PREFIXED ? type.prefixed : type.literal;
    const list = map.get(b.resourceName);
    if (list === undefined) map.set(b.resourceName, [b]);
    else list.push(b);
  }

  private remove(b: AclBinding): void {
    const key = keyOf(b);
    if (!this.all.delete(key)) return;
    const type = this.index.get(b.resourceType);
    if (type === undefined) return;
    const map = b.patternType === PatternType.PREFIXED ? type.prefixed : type.literal;
    const rest = (map.get(b.resourceName) ?? []).filter((x) => keyOf(x) !== key);
    if (rest.length === 0) map.delete(b.resourceName);
    else map.set(b.resourceName, rest);
    if (type.literal.size === 0 && type.prefixed.size === 0) this.index.delete(b.resourceType);
  }
}

/** Why Kafka would refuse to create this binding (INVALID_REQUEST), or undefined. */
export function invalidBinding(b: AclBinding): string | undefined {
  const concreteTypes: number[] = [ResourceType.TOPIC, ResourceType.GROUP, ResourceType.CLUSTER, ResourceType.TRANSACTIONAL_ID, ResourceType.DELEGATION_TOKEN, ResourceType.USER];
  if (!concreteTypes.includes(b.resourceType)) return `Invalid resourceType ${b.resourceType}`;
  if (b.patternType !== PatternType.LITERAL && b.patternType !== PatternType.PREFIXED) return `Invalid patternType ${b.patternType}`;
  if (b.operation <= Op.ANY || b.operation > Op.DESCRIBE_TOKENS) return `Invalid operation ${b.operation}`;
  if (b.permission !== AclPermission.ALLOW && b.permission !== AclPermission.DENY) return `Invalid permissionType ${b.permission}`;
  if (b.resourceName.length === 0) return 'Resource name should not be empty';
  if (!/^[^:]+:.+$/.test(b.principal)) return `Could not parse principal from \`${b.principal}\` (no colon is present separating the principal type from the principal name)`;
  if (b.host.length === 0) return 'Invalid host: empty';
  if (b.resourceType === ResourceType.CLUSTER && b.resourceName !== CLUSTER_NAME) return `The only valid name for the CLUSTER resource is ${CLUSTER_NAME}`;
  return undefined;
}

/** Kafka's AclBindingFilter.matches: MATCH selects the bindings that would apply to the named resource. */
export function matchesFilter(b: AclBinding, f: AclFilter): boolean {
  if (f.resourceType !== ResourceType.ANY && f.resourceType !== b.resourceType) return false;
  if (f.principal !== null && f.principal !== b.principal) return false;
  if (f.host !== null && f.host !== b.host) return false;
  if (f.operation !== Op.ANY && f.operation !== b.operation) return false;
  if (f.permission !== AclPermission.ANY && f.permission !== b.permission) return false;
  switch (f.patternType) {
    case PatternType.ANY:
      return f.resourceName === null || f.resourceName === b.resourceName;
    case PatternType.MATCH:
      if (f.resourceName === null) return true;
      if (b.patternType === PatternType.LITERAL) return b.resourceName === f.resourceName || b.resourceName === '*';
      return f.resourceName.startsWith(b.resourceName);
    default:
      return f.patternType === b.patternType && (f.resourceName === null || f.resourceName === b.resourceName);
  }
}

/** When --authorizer is none: everything is allowed and there are no ACLs to manage. */
export const allowEverything: AccessControl & AclAdmin = {
  enabled: false,
  allows: () => true,
  allowsAny: () => true,
  authorizedOperations: (_session, resourceType) => (SUPPORTED_OPS.get(resourceType) ?? []).reduce((bits, op) => bits | (1 << op), 0),
  describe: () => [],
  create: () => Promise.reject(new KafkaError('SECURITY_DISABLED', 'No Authorizer is configured')),
  delete: () => Promise.reject(new KafkaError('SECURITY_DISABLED', 'No Authorizer is configured')),
};
