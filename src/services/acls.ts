// Authorisation as handlers and the authorise stage see it: may this session perform this
// operation on this resource? And the ACLs themselves, as Describe/Create/DeleteAcls manage
// them. The codes are Kafka's (ResourceType, PatternType, AclOperation, AclPermissionType),
// so they travel on the wire unchanged. Implementations: src/security/ (the ACL authorizer,
// and `allowEverything` when --authorizer is none).
import type { Session } from './session.js';

export const ResourceType = { UNKNOWN: 0, ANY: 1, TOPIC: 2, GROUP: 3, CLUSTER: 4, TRANSACTIONAL_ID: 5, DELEGATION_TOKEN: 6, USER: 7 } as const;
export const PatternType = { UNKNOWN: 0, ANY: 1, MATCH: 2, LITERAL: 3, PREFIXED: 4 } as const;
export const AclOperation = {
  UNKNOWN: 0, ANY: 1, ALL: 2, READ: 3, WRITE: 4, CREATE: 5, DELETE: 6, ALTER: 7, DESCRIBE: 8,
  CLUSTER_ACTION: 9, DESCRIBE_CONFIGS: 10, ALTER_CONFIGS: 11, IDEMPOTENT_WRITE: 12, CREATE_TOKENS: 13, DESCRIBE_TOKENS: 14,
} as const;
export const AclPermission = { UNKNOWN: 0, ANY: 1, DENY: 2, ALLOW: 3 } as const;

/** The one cluster resource's name, as Kafka names it. */
export const CLUSTER_NAME = 'kafka-cluster';

/** One ACL: who (principal, host) may or may not do what (operation) to which resources. */
export interface AclBinding {
  resourceType: number;
  resourceName: string;
  /** LITERAL (the name, or "*" for every resource of the type) or PREFIXED. */
  patternType: number;
  /** "User:alice", or "User:*" for everyone. */
  principal: string;
  /** A client address, or "*". */
  host: string;
  operation: number;
  permission: number;
}

/** DescribeAcls and DeleteAcls select with this: null and ANY match anything. */
export interface AclFilter {
  resourceType: number;
  resourceName: string | null;
  patternType: number;
  principal: string | null;
  host: string | null;
  operation: number;
  permission: number;
}

export interface AccessControl {
  /** Whether authorisation is on (DescribeAcls answers SECURITY_DISABLED when it is not). */
  readonly enabled: boolean;
  /**
   * May this session do `operation` to the resource? A refusal is audited unless `quiet`
   * (Metadata filtering a topic list is not a denial worth a log line, as in Kafka).
   */
  allows(session: Session, operation: number, resourceType: number, name: string, quiet?: boolean): boolean;
  /** May it do `operation` to at least one resource of this type (Kafka's authorizeByResourceType)? */
  allowsAny(session: Session, operation: number, resourceType: number): boolean;
  /** Kafka's authorized-operations bit field for a resource (bit n set: operation code n allowed). */
  authorizedOperations(session: Session, resourceType: number, name: string): number;
}

/** A creation's or a deletion's outcome for one binding or filter. */
export type AclResult<T> = { ok: true; value: T } | { ok: false; errorCode: number; message: string };

export interface AclAdmin {
  describe(filter: AclFilter): AclBinding[];
  /** Adds bindings (an existing one is left as is, as Kafka does); each validated on its own. */
  create(bindings: AclBinding[]): Promise<Array<AclResult<void>>>;
  /** Removes every binding each filter matches; returns them per filter. */
  delete(filters: AclFilter[]): Promise<Array<AclResult<AclBinding[]>>>;
}

/** Whether a filter can select anything at all (Kafka refuses UNKNOWN codes in filters). */
export function invalidFilter(f: AclFilter): string | undefined {
  if (f.resourceType === ResourceType.UNKNOWN) return 'Invalid resourceType filter UNKNOWN';
  if (f.patternType === PatternType.UNKNOWN) return 'Invalid patternType filter UNKNOWN';
  if (f.operation === AclOperation.UNKNOWN) return 'Invalid operation filter UNKNOWN';
  if (f.permission === AclPermission.UNKNOWN) return 'Invalid permissionType filter UNKNOWN';
  return undefined;
}

const TYPE_NAMES: Record<number, string> = { 2: 'Topic', 3: 'Group', 4: 'Cluster', 5: 'TransactionalId', 6: 'DelegationToken', 7: 'User' };
const OP_NAMES: Record<number, string> = {
  2: 'All', 3: 'Read', 4: 'Write', 5: 'Create', 6: 'Delete', 7: 'Alter', 8: 'Describe', 9: 'ClusterAction',
  10: 'DescribeConfigs', 11: 'AlterConfigs', 12: 'IdempotentWrite', 13: 'CreateTokens', 14: 'DescribeTokens',
};
export const resourceTypeName = (t: number): string => TYPE_NAMES[t] ?? `Unknown(${t})`;
export const operationName = (op: number): string => OP_NAMES[op] ?? `Unknown(${op})`;


/** Auto-creation (Metadata, Produce) needs Create on the cluster or on the topic, as in Kafka. */
export function mayCreateTopic(access: AccessControl, session: Session, topic: string): boolean {
  return access.allows(session, AclOperation.CREATE, ResourceType.CLUSTER, CLUSTER_NAME, true) || access.allows(session, AclOperation.CREATE, ResourceType.TOPIC, topic);
}
