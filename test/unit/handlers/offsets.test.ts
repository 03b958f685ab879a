// OffsetCommit and OffsetFetch against in-memory services.
import { describe, expect, it } from 'vitest';
import { offsetCommitHandler, offsetFetchHandler } from '../../../src/handlers/offsets.js';
import { ErrorCode } from '../../../src/protocol/generated/error-codes.js';
import { defaultOffsetCommitRequest, defaultOffsetCommitRequestPartition, defaultOffsetCommitRequestTopic, writeOffsetCommitRequest } from '../../../src/protocol/generated/offset-commit-request.js';
import { readOffsetCommitResponse } from '../../../src/protocol/generated/offset-commit-response.js';
import { defaultOffsetFetchRequest, defaultOffsetFetchRequestGroup, defaultOffsetFetchRequestTopic, writeOffsetFetchRequest } from '../../../src/protocol/generated/offset-fetch-request.js';
import { readOffsetFetchResponse } from '../../../src/protocol/generated/offset-fetch-response.js';
import { callHandler } from '../../helpers/memory/call-handler.js';
import { memoryServices } from '../../helpers/memory/memory-services.js';

const commitCodecs = { writeRequest: writeOffsetCommitRequest, readResponse: readOffsetCommitResponse };
const fetchCodecs = { writeRequest: writeOffsetFetchRequest, readResponse: readOffsetFetchResponse };
const commit = (group: string, entries: Array<[number, number, string | null]>, member = { memberId: '', generationIdOrMemberEpoch: -1 }) => ({
  ...defaultOffsetCommitRequest(), groupId: group, ...member,
  topics: [{ ...defaultOffsetCommitRequestTopic(), name: 't', partitions: entries.map(([partitionIndex, committedOffset, committedMetadata]) => ({ ...defaultOffsetCommitRequestPartition(), partitionIndex, committedOffset, committedMetadata })) }],
});

describe('OffsetCommit and OffsetFetch handlers', () => {
  it('stores offsets in the group store, refuses unknown partitions and oversized metadata', async () => {
    const services = memoryServices();
    await services.topics.create('t', 2, {});
    const res = await callHandler(offsetCommitHandler, services, 8, commit('g', [[0, 5, 'meta'], [1, 7, 'x'.repeat(5000)], [9, 1, null]]), commitCodecs);
    expect(res!.topics[0]!.partitions.map((p) => p.errorCode)).toEqual([0, ErrorCode.OFFSET_METADATA_TOO_LARGE, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
    expect(services.groupStore.get('g', 't', 0)).toMatchObject({ offset: 5, metadata: 'meta' });
    expect(services.groupStore.get('g', 't', 1)).toBeUndefined();
    expect(services.groupStore.get('g', 't', 9)).toBeUndefined();
  });

  it('refuses a commit from a member the group does not know', async () => {
    const services = memoryServices();
    await services.topics.create('t', 1, {});
    const res = await callHandler(offsetCommitHandler, services, 8, commit('g', [[0, 5, null]], { memberId: 'ghost', generationIdOrMemberEpoch: 3 }), commitCodecs);
    expect(res!.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('fetches committed offsets: named partitions (-1 when none), all of a group, several groups (v8+)', async () => {
    const services = memoryServices();
    await services.topics.create('t', 3, {});
    await callHandler(offsetCommitHandler, services, 8, commit('g', [[0, 5, 'a'], [2, 9, null]]), commitCodecs);
    const named = await callHandler(offsetFetchHandler, services, 7, { ...defaultOffsetFetchRequest(), groupId: 'g', topics: [{ ...defaultOffsetFetchRequestTopic(), name: 't', partitionIndexes: [0, 1, 2] }] }, fetchCodecs);
    expect(named!.topics[0]!.partitions.map((p) => [p.partitionIndex, p.committedOffset, p.metadata])).toEqual([[0, 5, 'a'], [1, -1, ''], [2, 9, '']]);
    const groups = await callHandler(offsetFetchHandler, services, 8, { ...defaultOffsetFetchRequest(), groups: [{ ...defaultOffsetFetchRequestGroup(), groupId: 'g', topics: null }, { ...defaultOffsetFetchRequestGroup(), groupId: 'none', topics: null }] }, fetchCodecs);
    expect(groups!.groups.map((g) => [g.groupId, g.topics.flatMap((t) => t.partitions.map((p) => p.committedOffset)).sort()])).toEqual([['g', [5, 9]], ['none', []]]);
  });
});
