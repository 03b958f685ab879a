// Metadata against in-memory services: brokers and leaders come from the cluster view.
import { describe, expect, it } from 'vitest';
import { metadataHandler } from '../../../src/handlers/metadata.js';
import { ErrorCode } from '../../../src/protocol/generated/error-codes.js';
import { defaultMetadataRequest, defaultMetadataRequestTopic, writeMetadataRequest } from '../../../src/protocol/generated/metadata-request.js';
import { readMetadataResponse } from '../../../src/protocol/generated/metadata-response.js';
import { callHandler } from '../../helpers/memory/call-handler.js';
import { memoryServices } from '../../helpers/memory/memory-services.js';

const codecs = { writeRequest: writeMetadataRequest, readResponse: readMetadataResponse };
const ask = (names: string[] | null, allowAutoTopicCreation = false) => ({
  ...defaultMetadataRequest(), allowAutoTopicCreation, topics: names === null ? null : names.map((name) => ({ ...defaultMetadataRequestTopic(), name })),
});

describe('Metadata handler', () => {
  it('lists the cluster\'s brokers and each partition\'s leader as the cluster view says', async () => {
    const services = memoryServices();
    await services.topics.create('t', 2, {});
    await services.topics.create('__hidden', 1, {});
    services.cluster.advertise({ nodeId: 1, host: 'advertised.example', port: 19092 });
    const res = await callHandler(metadataHandler, services, 12, ask(null), codecs);
    expect(res!.clusterId).toBe(services.cluster.clusterId);
    expect(res!.controllerId).toBe(1);
    expect(res!.brokers).toEqual([{ nodeId: 1, host: 'advertised.example', port: 19092, rack: null }]);
    expect(res!.topics.map((t) => t.name)).toEqual(['t']);
    expect(res!.topics[0]!.topicId).toBe(services.topics.get('t')!.id);
    expect(res!.topics[0]!.partitions.map((p) => [p.partitionIndex, p.leaderId, p.leaderEpoch, p.replicaNodes, p.isrNodes])).toEqual([[0, 1, 0, [1], [1]], [1, 1, 0, [1], [1]]]);
  });

  it('auto-creates only when asked (v4+), and tells unknown from illegal names', async () => {
    const services = memoryServices();
    const refused = await callHandler(metadataHandler, services, 9, ask(['nope', 'bad name!']), codecs);
    expect(refused!.topics.map((t) => t.errorCode)).toEqual([ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.INVALID_TOPIC_EXCEPTION]);
    expect(services.topics.get('nope')).toBeUndefined();
    const created = await callHandler(metadataHandler, services, 9, ask(['nope'], true), codecs);
    expect(created!.topics[0]!.errorCode).toBe(0);
    expect(services.topics.get('nope')!.partitions).toHaveLength(1);
    const v1 = await callHandler(metadataHandler, services, 1, ask(['old-client']), codecs);
    expect(v1!.topics[0]!.errorCode).toBe(0); // before v4 a named topic is always auto-created
  });

  it('finds a topic by id (v10+) and answers UNKNOWN_TOPIC_ID for an unknown one', async () => {
    const services = memoryServices();
    await services.topics.create('t', 1, {});
    const id = services.topics.get('t')!.id;
    const res = await callHandler(metadataHandler, services, 12, { ...defaultMetadataRequest(), topics: [{ ...defaultMetadataRequestTopic(), name: null, topicId: id }, { ...defaultMetadataRequestTopic(), name: null, topicId: Buffer.alloc(16, 9).toString('base64url') }] }, codecs);
    expect(res!.topics.map((t) => [t.name, t.errorCode])).toEqual([['t', 0], [null, ErrorCode.UNKNOWN_TOPIC_ID]]);
  });
});
