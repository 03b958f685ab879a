// Produce: per partition, one magic-2 batch goes to the partition log (idempotence
// checked first; a transactional batch only to a partition in its producer's transaction). v0-2 are advertised for old librdkafka's feature detection but
// answered UNSUPPORTED_VERSION, as Kafka 4 does. acks=0 gets no response.
import { KafkaError } from '../errors.js';
import { ApiKey } from '../protocol/generated/api-keys.js';
import { ErrorCode } from '../protocol/generated/error-codes.js';
import { readProduceRequest, type ProduceRequest } from '../protocol/generated/produce-request.js';
import {
  defaultLeaderIdAndEpoch, defaultProduceResponse, writeProduceResponse,
  type PartitionProduceResponse, type ProduceResponse,
} from '../protocol/generated/produce-response.js';
import { INTERNAL_PREFIX } from '../services/topics.js';
import type { HandlerServices } from '../services/handler-services.js';
import { BATCH_HEADER_SIZE, BatchField, CONTROL_FLAG, TRANSACTIONAL_FLAG } from '../protocol/records/batch-layout.js';
import { COMPRESSION_TYPES } from '../protocol/records/compression.js';
import { batchCodec } from '../protocol/records/recompress.js';
import { AclOperation, mayCreateTopic, ResourceType } from '../services/acls.js';
import { defineHandler } from './handler.js';
import { errorCodeOf, errorMessageOf } from './error-code.js';
import { schemaViolations, validatesSchemas } from './schema-validation.js';

const FIRST_SUPPORTED = 3;

/** Decompressed records of one batch may not exceed this (memory stays bounded). */
const MAX_DECOMPRESSED_BATCH_BYTES = 64 * 1024 * 1024;

/**
 * The batch as the topic stores it: recompressed (on the CPU pool) when the topic's
 * compression.type names a codec other than the producer's, else unchanged.
 */
function storedForm(services: HandlerServices, configs: Record<string, string>, batch: Buffer): Buffer | Promise<Buffer> {
  const target = COMPRESSION_TYPES[configs['compression.type'] ?? 'producer'] ?? 'producer';
  if (target === 'producer' || batch.length < BATCH_HEADER_SIZE || batchCodec(batch) === target) return batch;
  return services.recompressor.recompress(batch, target, MAX_DECOMPRESSED_BATCH_BYTES);
}

/** Produce v12 carries transaction version 2: a transactional write adds its partition to the transaction. */
const FIRST_IMPLICIT_ADD = 12;

/**
 * Control batches come only from the transaction coordinator; a transactional batch needs
 * the request's transactional id, and a partition in that producer's open transaction at
 * its current epoch: one the coordinator added (KIP-890 part 1, Produce ≤ v11), or added now
 * (part 2, Produce v12). Synchronous unless a partition must be added.
 */
function checkTransactionalFields(services: HandlerServices, version: number, txnId: string | null, batch: Buffer, topic: string, partition: number): void | Promise<void> {
  const attributes = batch.readInt16BE(BatchField.ATTRIBUTES);
  if ((attributes & CONTROL_FLAG) !== 0) throw new KafkaError('INVALID_RECORD', 'clients may not write control batches');
  if ((attributes & TRANSACTIONAL_FLAG) === 0) return undefined;
  if (txnId === null) throw new KafkaError('TRANSACTIONAL_ID_AUTHORIZATION_FAILED', 'a transactional batch needs the request\'s transactional id');
  const producerId = Number(batch.readBigInt64BE(BatchField.PRODUCER_ID));
  const epoch = batch.readInt16BE(BatchField.PRODUCER_EPOCH);
  if (version < FIRST_IMPLICIT_ADD) return services.transactions.verifyProduce(txnId, producerId, epoch, topic, partition);
  const added = services.transactions.ensureInTransaction(txnId, producerId, epoch, topic, partition);
  // As Kafka answers a produce whose partition could not be added: a stale epoch is INVALID_PRODUCER_EPOCH.
  return added?.catch((err: unknown) => {
    if (err instanceof KafkaError && err.errorName === 'PRODUCER_FENCED') throw new KafkaError('INVALID_PRODUCER_EPOCH', err.message.slice(err.errorName.length + 2));
    throw err;
  });
}

function partitionResponse(index: number, errorCode: number, errorMessage: string | null = null): PartitionProduceResponse {
  return {
    index, errorCode, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1, recordErrors: [], errorMessage,
    currentLeader: defaultLeaderIdAndEpoch(),
  };
}

export const produceHandler = defineHandler<ProduceRequest, ProduceResponse>({
  apiKey: ApiKey.Produce,
  minVersion: 0,
  maxVersion: 12,
  read: readProduceRequest,
  write: writeProduceResponse,
  async handle(req, { services, version, session }) {
    const { topics, metrics, logger, access } = services;
    const res = defaultProduceResponse();
    const refuse = (code: number, message: string | null): void => {
      res.responses = req.topicData.map((t) => ({ name: t.name, partitionResponses: t.partitionData.map((p) => partitionResponse(p.index, code, message)) }));
    };
    if (version < FIRST_SUPPORTED) {
      refuse(ErrorCode.UNSUPPORTED_VERSION, 'Produce v0-2 (message formats 0 and 1) are not supported');
      return res;
    }
    if (req.acks !== 0 && req.acks !== 1 && req.acks !== -1) {
      refuse(ErrorCode.INVALID_REQUIRED_ACKS, `acks must be -1, 0 or 1, got ${req.acks}`);
      return res;
    }
    const txnId = req.transactionalId;
    res.responses = await Promise.all(
      req.topicData.map(async (t) => {
        let topic;
        try {
          if (!access.allows(session, AclOperation.WRITE, ResourceType.TOPIC, t.name)) throw new KafkaError('TOPIC_AUTHORIZATION_FAILED', `may not write to ${t.name}`);
          if (t.name.startsWith(INTERNAL_PREFIX)) throw new KafkaError('INVALID_TOPIC_EXCEPTION', `${t.name} is internal`);
          const found = topics.getOrCreate(t.name, mayCreateTopic(access, session, t.name));
          topic = found instanceof Promise ? await found : found;
        } catch (err) {
          return { name: t.name, partitionResponses: t.partitionData.map((p) => partitionResponse(p.index, errorCodeOf(err), errorMessageOf(err))) };
        }
        const partitionResponses = await Promise.all(
          t.partitionData.map(async (p): Promise<PartitionProduceResponse> => {
            const partition = topic?.partitions[p.index];
            if (partition === undefined) return partitionResponse(p.index, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
            if (p.records === null || p.records.length === 0) return partitionResponse(p.index, ErrorCode.INVALID_RECORD, 'no records');
            try {
              const checked = p.records.length >= BATCH_HEADER_SIZE ? checkTransactionalFields(services, version, txnId, p.records, t.name, p.index) : undefined;
              if (checked !== undefined) await checked;
              if (validatesSchemas(topic!.configs)) {
                const found = schemaViolations(services.schemas, t.name, topic!.configs, p.records, MAX_DECOMPRESSED_BATCH_BYTES);
                const violations = found instanceof Promise ? await found : found;
                if (violations.length > 0) {
                  metrics.produceError(t.name, 'INVALID_RECORD');
                  return {
                    ...partitionResponse(p.index, ErrorCode.INVALID_RECORD, `${violations.length} record(s) failed schema validation: ${violations[0]!.message}`),
                    recordErrors: violations.map((v) => ({ batchIndex: v.batchIndex, batchIndexErrorMessage: v.message })),
                  };
                }
              }
              // Most topics store batches as sent: no extra asynchronous step for them.
              const stored = storedForm(services, topic!.configs, p.records);
              const out = await partition.append(stored instanceof Promise ? await stored : stored);
              if (!out.duplicate) metrics.produced(t.name, p.records.length, p.records.readInt32BE(BatchField.LAST_OFFSET_DELTA) + 1);
              return { ...partitionResponse(p.index, 0), baseOffset: out.baseOffset, logAppendTimeMs: out.logAppendTime, logStartOffset: out.logStartOffset };
            } catch (err) {
              if (!(err instanceof KafkaError)) logger.error({ err, topic: t.name, partition: p.index }, 'produce failed');
              metrics.produceError(t.name, err instanceof KafkaError ? err.errorName : 'UNKNOWN_SERVER_ERROR');
              return partitionResponse(p.index, errorCodeOf(err), errorMessageOf(err));
            }
          }),
        );
        return { name: t.name, partitionResponses };
      }),
    );
    return req.acks === 0 ? undefined : res;
  },
  errorResponse(req, _version, errorCode) {
    const res = defaultProduceResponse();
    res.responses = req.topicData.map((t) => ({ name: t.name, partitionResponses: t.partitionData.map((p) => partitionResponse(p.index, errorCode)) }));
    return res;
  },
});
