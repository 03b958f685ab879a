// The transaction APIs a producer uses (AddPartitionsToTxn, AddOffsetsToTxn, EndTxn,
// TxnOffsetCommit) and the ones `kafka-transactions` uses (DescribeTransactions,
// ListTransactions). The transaction coordinator decides; these map its errors to each
// API's shape. Write on the transactional id (and Read on a group) is checked by the
// authorise stage; the per-topic permissions here, as Kafka checks them.
import { KafkaError } from '../errors.js';
import { ApiKey } from '../protocol/generated/api-keys.js';
import { ErrorCode } from '../protocol/generated/error-codes.js';
import { readAddPartitionsToTxnRequest, type AddPartitionsToTxnRequest, type AddPartitionsToTxnTopic } from '../protocol/generated/add-partitions-to-txn-request.js';
import { defaultAddPartitionsToTxnResponse, writeAddPartitionsToTxnResponse, type AddPartitionsToTxnResponse, type AddPartitionsToTxnTopicResult } from '../protocol/generated/add-partitions-to-txn-response.js';
import { readAddOffsetsToTxnRequest, type AddOffsetsToTxnRequest } from '../protocol/generated/add-offsets-to-txn-request.js';
import { defaultAddOffsetsToTxnResponse, writeAddOffsetsToTxnResponse, type AddOffsetsToTxnResponse } from '../protocol/generated/add-offsets-to-txn-response.js';
import { readEndTxnRequest, type EndTxnRequest } from '../protocol/generated/end-txn-request.js';
import { defaultEndTxnResponse, writeEndTxnResponse, type EndTxnResponse } from '../protocol/generated/end-txn-response.js';
import { readTxnOffsetCommitRequest, type TxnOffsetCommitRequest } from '../protocol/generated/txn-offset-commit-request.js';
import { defaultTxnOffsetCommitResponse, writeTxnOffsetCommitResponse, type TxnOffsetCommitResponse } from '../protocol/generated/txn-offset-commit-response.js';
import { readDescribeTransactionsRequest, type DescribeTransactionsRequest } from '../protocol/generated/describe-transactions-request.js';
import { defaultDescribeTransactionsResponse, writeDescribeTransactionsResponse, type DescribeTransactionsResponse } from '../protocol/generated/describe-transactions-response.js';
import { readListTransactionsRequest, type ListTransactionsRequest } from '../protocol/generated/list-transactions-request.js';
import { defaultListTransactionsResponse, writeListTransactionsResponse, type ListTransactionsResponse } from '../protocol/generated/list-transactions-response.js';
import { AclOperation, ResourceType } from '../services/acls.js';
import type { HandlerServices } from '../services/handler-services.js';
import type { Session } from '../services/session.js';
import { TRANSACTION_STATES, type TransactionStateName } from '../services/transactions.js';
import { defineHandler } from './handler.js';
import { errorCodeOf } from './error-code.js';

const partitionCode = (err: Error | undefined): number => (err === undefined ? 0 : errorCodeOf(err));

function topicResults(topics: AddPartitionsToTxnTopic[], codeOf: (topic: string, partition: number) => number): AddPartitionsToTxnTopicResult[] {
  return topics.map((t) => ({ name: t.name, resultsByPartition: t.partitions.map((p) => ({ partitionIndex: p, partitionErrorCode: codeOf(t.name, p) })) }));
}

/**
 * One transaction's partitions: unknown ones UNKNOWN_TOPIC_OR_PARTITION, topics the session
 * may not write TOPIC_AUTHORIZATION_FAILED, and then the rest OPERATION_NOT_ATTEMPTED (Kafka
 * adds all or none); otherwise the coordinator's answer for all of them.
 */
async function addToTransaction(
  services: HandlerServices, session: Session, id: string, producerId: number, producerEpoch: number, topics: AddPartitionsToTxnTopic[], verifyOnly: boolean,
): Promise<AddPartitionsToTxnTopicResult[]> {
  const { topics: directory, access, transactions } = services;
  const refused = new Map<string, number>();
  for (const t of topics) {
    for (const p of t.partitions) {
      const key = `${t.name}\u0000${p}`;
      if (!access.allows(session, AclOperation.WRITE, ResourceType.TOPIC, t.name)) refused.set(key, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
      else if (directory.partition(t.name, p) === undefined) refused.set(key, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    }
  }
  if (refused.size > 0) return topicResults(topics, (t, p) => refused.get(`${t}\u0000${p}`) ?? ErrorCode.OPERATION_NOT_ATTEMPTED);
  let code = 0;
  try {
    await transactions.addPartitions(id, producerId, producerEpoch, topics.flatMap((t) => t.partitions.map((partition) => ({ topic: t.name, partition }))), verifyOnly);
  } catch (err) {
    code = errorCodeOf(err);
  }
  return topicResults(topics, () => code);
}

export const addPartitionsToTxnHandler = defineHandler<AddPartitionsToTxnRequest, AddPartitionsToTxnResponse>({
  apiKey: ApiKey.AddPartitionsToTxn,
  minVersion: 0,
  maxVersion: 5,
  read: readAddPartitionsToTxnRequest,
  write: writeAddPartitionsToTxnResponse,
  async handle(req, { services, version, session }) {
    const res = defaultAddPartitionsToTxnResponse();
    if (version <= 3) {
      res.resultsByTopicV3AndBelow = await addToTransaction(services, session, req.v3AndBelowTransactionalId, req.v3AndBelowProducerId, req.v3AndBelowProducerEpoch, req.v3AndBelowTopics, false);
      return res;
    }
    // v4+: the batched form brokers send (verify-only checks for produce), many transactional ids at once.
    res.resultsByTransaction = await Promise.all(req.transactions.map(async (t) => {
      const allowed = services.access.allows(session, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, t.transactionalId);
      const topicResultsOf = allowed
        ? await addToTransaction(services, session, t.transactionalId, t.producerId, t.producerEpoch, t.topics, t.verifyOnly)
        : topicResults(t.topics, () => ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
      return { transactionalId: t.transactionalId, topicResults: topicResultsOf };
    }));
    return res;
  },
  errorResponse(req, version, errorCode) {
    const res = defaultAddPartitionsToTxnResponse();
    if (version <= 3) res.resultsByTopicV3AndBelow = topicResults(req.v3AndBelowTopics, () => errorCode);
    else res.errorCode = errorCode;
    return res;
  },
});

export const addOffsetsToTxnHandler = defineHandler<AddOffsetsToTxnRequest, AddOffsetsToTxnResponse>({
  apiKey: ApiKey.AddOffsetsToTxn,
  minVersion: 0,
  maxVersion: 4,
  read: readAddOffsetsToTxnRequest,
  write: writeAddOffsetsToTxnResponse,
  async handle(req, { services }) {
    const res = defaultAddOffsetsToTxnResponse();
    try {
      if (req.groupId === '') throw new KafkaError('INVALID_GROUP_ID', 'the group id is empty');
      await services.transactions.addOffsets(req.transactionalId, req.producerId, req.producerEpoch, req.groupId);
    } catch (err) {
      res.errorCode = errorCodeOf(err);
    }
    return res;
  },
  errorResponse: (_req, _version, errorCode) => ({ ...defaultAddOffsetsToTxnResponse(), errorCode }),
});

export const endTxnHandler = defineHandler<EndTxnRequest, EndTxnResponse>({
  apiKey: ApiKey.EndTxn,
  // v5 is transaction version 2: the epoch goes up with every end, and the answer names it.
  minVersion: 0,
  maxVersion: 5,
  read: readEndTxnRequest,
  write: writeEndTxnResponse,
  async handle(req, { services, version }) {
    const res = defaultEndTxnResponse();
    try {
      const out = await services.transactions.endTransaction(req.transactionalId, req.producerId, req.producerEpoch, req.committed, version >= 5);
      res.producerId = out.producerId;
      res.producerEpoch = out.producerEpoch;
    } catch (err) {
      res.errorCode = errorCodeOf(err);
    }
    return res;
  },
  errorResponse: (_req, _version, errorCode) => ({ ...defaultEndTxnResponse(), errorCode }),
});

export const txnOffsetCommitHandler = defineHandler<TxnOffsetCommitRequest, TxnOffsetCommitResponse>({
  apiKey: ApiKey.TxnOffsetCommit,
  minVersion: 0,
  maxVersion: 5,
  read: readTxnOffsetCommitRequest,
  write: writeTxnOffsetCommitResponse,
  async handle(req, { services, session, version }) {
    const { groups, transactions, access, clock } = services;
    const res = defaultTxnOffsetCommitResponse();
    const answer = (codeOf: (topic: string, partition: number) => number): TxnOffsetCommitResponse => {
      res.topics = req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: codeOf(t.name, p.partitionIndex) })) }));
      return res;
    };
    // v5 (transaction version 2): the commit adds the group to the transaction itself, no AddOffsetsToTxn first.
    if (version >= 5) {
      try {
        await transactions.addOffsets(req.transactionalId, req.producerId, req.producerEpoch, req.groupId);
      } catch (err) {
        const code = err instanceof KafkaError && err.errorName === 'PRODUCER_FENCED' ? ErrorCode.INVALID_PRODUCER_EPOCH : errorCodeOf(err);
        return answer(() => code);
      }
    }
    // The producer must be the transactional id's current one, with the group added to its open transaction.
    const owner = transactions.producerOf(req.transactionalId);
    if (owner === undefined || owner.producerId !== req.producerId) return answer(() => ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    if (owner.producerEpoch !== req.producerEpoch) return answer(() => ErrorCode.INVALID_PRODUCER_EPOCH);
    if (owner.state !== 'Ongoing' || !owner.groups.includes(req.groupId)) return answer(() => ErrorCode.INVALID_TXN_STATE);
    const mayRead = (topic: string): boolean => access.allows(session, AclOperation.READ, ResourceType.TOPIC, topic);
    const entries = req.topics.filter((t) => mayRead(t.name)).flatMap((t) => t.partitions.map((p) => ({
      topic: t.name, partition: p.partitionIndex,
      value: { offset: p.committedOffset, leaderEpoch: p.committedLeaderEpoch, metadata: p.committedMetadata, commitTimestamp: clock.now() },
    })));
    try {
      const outcome = await groups.commitInTransaction(req.groupId, req.producerId, req.memberId, req.generationId, req.groupInstanceId, entries);
      return answer((topic, p) => (!mayRead(topic) ? ErrorCode.TOPIC_AUTHORIZATION_FAILED : partitionCode(outcome.get(`${topic}\u0000${p}`))));
    } catch (err) {
      const code = errorCodeOf(err);
      return answer(() => code);
    }
  },
  errorResponse(req, _version, errorCode) {
    const res = defaultTxnOffsetCommitResponse();
    res.topics = req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })) }));
    return res;
  },
});

export const describeTransactionsHandler = defineHandler<DescribeTransactionsRequest, DescribeTransactionsResponse>({
  apiKey: ApiKey.DescribeTransactions,
  minVersion: 0,
  maxVersion: 0,
  read: readDescribeTransactionsRequest,
  write: writeDescribeTransactionsResponse,
  handle(req, { services: { transactions, access }, session }) {
    const res = defaultDescribeTransactionsResponse();
    const empty = { transactionState: '', transactionTimeoutMs: 0, transactionStartTimeMs: -1, producerId: -1, producerEpoch: -1, topics: [] };
    res.transactionStates = req.transactionalIds.map((id) => {
      if (!access.allows(session, AclOperation.DESCRIBE, ResourceType.TRANSACTIONAL_ID, id)) return { errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, transactionalId: id, ...empty };
      const d = transactions.describe(id);
      if (d === undefined) return { errorCode: ErrorCode.TRANSACTIONAL_ID_NOT_FOUND, transactionalId: id, ...empty };
      // As Kafka: partitions of topics the session may not Describe are left out.
      const byTopic = new Map<string, number[]>();
      for (const p of d.partitions) {
        if (!access.allows(session, AclOperation.DESCRIBE, ResourceType.TOPIC, p.topic, true)) continue;
        byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p.partition]);
      }
      return {
        errorCode: 0, transactionalId: id, transactionState: d.state, transactionTimeoutMs: d.timeoutMs, transactionStartTimeMs: d.startTimeMs,
        producerId: d.producerId, producerEpoch: d.producerEpoch, topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })),
      };
    });
    return res;
  },
  errorResponse: (req, _version, errorCode) => ({
    ...defaultDescribeTransactionsResponse(),
    transactionStates: req.transactionalIds.map((transactionalId) => ({ errorCode, transactionalId, transactionState: '', transactionTimeoutMs: 0, transactionStartTimeMs: -1, producerId: -1, producerEpoch: -1, topics: [] })),
  }),
});

export const listTransactionsHandler = defineHandler<ListTransactionsRequest, ListTransactionsResponse>({
  apiKey: ApiKey.ListTransactions,
  minVersion: 0,
  maxVersion: 1,
  read: readListTransactionsRequest,
  write: writeListTransactionsResponse,
  handle(req, { services: { transactions, access, clock }, session, version }) {
    const res = defaultListTransactionsResponse();
    const known = new Set<string>(TRANSACTION_STATES);
    res.unknownStateFilters = req.stateFilters.filter((s) => !known.has(s));
    const states = new Set(req.stateFilters);
    const producers = new Set(req.producerIdFilters);
    // v1: only transactions running longer than the duration filter (-1: no filter).
    const minDuration = version >= 1 ? req.durationFilter : -1;
    const now = clock.now();
    res.transactionStates = transactions.list()
      .filter((d) => states.size === 0 || states.has(d.state as TransactionStateName))
      .filter((d) => producers.size === 0 || producers.has(d.producerId))
      .filter((d) => minDuration < 0 || (d.startTimeMs >= 0 && now - d.startTimeMs > minDuration))
      .filter((d) => access.allows(session, AclOperation.DESCRIBE, ResourceType.TRANSACTIONAL_ID, d.transactionalId, true))
      .map((d) => ({ transactionalId: d.transactionalId, producerId: d.producerId, transactionState: d.state }));
    return res;
  },
  errorResponse: (_req, _version, errorCode) => ({ ...defaultListTransactionsResponse(), errorCode }),
});
