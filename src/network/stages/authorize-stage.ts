// Authorisation, the request-level part: the APIs whose whole request needs one permission
// (a group's Read for JoinGroup, the cluster's Alter for CreateAcls, …) are refused here
// with the error code Kafka gives, before their handler runs. APIs that name many
// resources (Produce's topics, DescribeGroups' groups, Metadata's topic list) are decided
// per resource by their handlers through the same AccessControl, because Kafka answers
// those per item and lets the allowed ones through.
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import { AclOperation as Op, CLUSTER_NAME, ResourceType, type AccessControl } from '../../services/acls.js';
import type { Session } from '../../services/session.js';
import type { RequestStage, StageVerdict } from '../pipeline.js';

/** A request-level check: undefined when the request needs nothing (or its handler decides). */
type Check = (access: AccessControl, session: Session, body: never, version: number) => StageVerdict;

function refuse(errorCode: number, what: string): StageVerdict {
  return { errorCode, reason: `not authorised: ${what}` };
}

const groupCheck = (op: number) => (access: AccessControl, session: Session, body: { groupId: string }): StageVerdict =>
  access.allows(session, op, ResourceType.GROUP, body.groupId) ? undefined : refuse(ErrorCode.GROUP_AUTHORIZATION_FAILED, `group ${body.groupId}`);

const clusterCheck = (op: number) => (access: AccessControl, session: Session): StageVerdict =>
  access.allows(session, op, ResourceType.CLUSTER, CLUSTER_NAME) ? undefined : refuse(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'cluster');

const transactionalIdCheck = (access: AccessControl, session: Session, id: string): StageVerdict =>
  access.allows(session, Op.WRITE, ResourceType.TRANSACTIONAL_ID, id) ? undefined : refuse(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, `transactional id ${id}`);

/** What Kafka's KafkaApis checks before it looks at the request's items. */
export const REQUEST_CHECKS: ReadonlyMap<number, Check> = new Map<number, Check>([
  [ApiKey.JoinGroup, groupCheck(Op.READ)],
  [ApiKey.SyncGroup, groupCheck(Op.READ)],
  [ApiKey.Heartbeat, groupCheck(Op.READ)],
  [ApiKey.LeaveGroup, groupCheck(Op.READ)],
  [ApiKey.OffsetCommit, groupCheck(Op.READ)],
  [ApiKey.OffsetDelete, groupCheck(Op.DELETE)],
  // v8+ asks for many groups at once: its handler decides per group.
  [ApiKey.OffsetFetch, ((access, session, body: { groupId: string }, version) => (version < 8 ? groupCheck(Op.DESCRIBE)(access, session, body) : undefined)) as Check],
  [ApiKey.DescribeAcls, clusterCheck(Op.DESCRIBE)],
  [ApiKey.CreateAcls, clusterCheck(Op.ALTER)],
  [ApiKey.DeleteAcls, clusterCheck(Op.ALTER)],
  [ApiKey.DescribeUserScramCredentials, clusterCheck(Op.DESCRIBE)],
  [ApiKey.AlterUserScramCredentials, clusterCheck(Op.ALTER)],
  [ApiKey.DescribeClientQuotas, clusterCheck(Op.DESCRIBE_CONFIGS)],
  [ApiKey.AlterClientQuotas, clusterCheck(Op.ALTER_CONFIGS)],
  [ApiKey.Produce, ((access, session, body: { transactionalId: string | null }) =>
    (body.transactionalId === null ? undefined : transactionalIdCheck(access, session, body.transactionalId))) as Check],
  // Transactions: Write on the transactional id; with group offsets, Read on the group too.
  // AddPartitionsToTxn v4+ (brokers' batched form) names many ids: its handler decides per id.
  [ApiKey.AddPartitionsToTxn, ((access, session, body: { v3AndBelowTransactionalId: string }, version) =>
    (version >= 4 ? undefined : transactionalIdCheck(access, session, body.v3AndBelowTransactionalId))) as Check],
  [ApiKey.AddOffsetsToTxn, ((access, session, body: { transactionalId: string; groupId: string }) =>
    transactionalIdCheck(access, session, body.transactionalId) ?? groupCheck(Op.READ)(access, session, body)) as Check],
  [ApiKey.EndTxn, ((access, session, body: { transactionalId: string }) => transactionalIdCheck(access, session, body.transactionalId)) as Check],
  [ApiKey.TxnOffsetCommit, ((access, session, body: { transactionalId: string; groupId: string }) =>
    transactionalIdCheck(access, session, body.transactionalId) ?? groupCheck(Op.READ)(access, session, body)) as Check],
  // An idempotent producer needs IdempotentWrite on the cluster or Write on some topic (KIP-679).
  [ApiKey.InitProducerId, ((access, session, body: { transactionalId: string | null }) => {
    if (body.transactionalId !== null) return transactionalIdCheck(access, session, body.transactionalId);
    if (access.allows(session, Op.IDEMPOTENT_WRITE, ResourceType.CLUSTER, CLUSTER_NAME, true) || access.allowsAny(session, Op.WRITE, ResourceType.TOPIC)) return undefined;
    return clusterCheck(Op.IDEMPOTENT_WRITE)(access, session);
  }) as Check],
]);

export function authorizeStage(access: AccessControl): RequestStage {
  return {
    name: 'authorize',
    admit(req) {
      if (!access.enabled) return undefined;
      const check = REQUEST_CHECKS.get(req.apiKey);
      return check === undefined ? undefined : check(access, req.session, req.body as never, req.apiVersion);
    },
  };
}
