// A group's coordinator bucket is picked as Kafka picks its __consumer_offsets partition.
import { describe, expect, it } from 'vitest';
import { BUCKET_RESOURCES, GROUP_BUCKETS, bucketOfResource, groupBucket } from '../../../src/cluster/group-buckets.js';

describe('group buckets', () => {
  it('hash like Java String.hashCode, made non-negative as Kafka does (abs by mask)', () => {
    // "hello".hashCode() is 99162322; Kafka with 50 offsets partitions would pick 22.
    expect(groupBucket('hello')).toBe(99162322 % GROUP_BUCKETS);
    // This string's hashCode is Integer.MIN_VALUE: masked to 0, as Utils.abs does.
    expect(groupBucket('polygenelubricants')).toBe(0);
    expect(groupBucket('')).toBe(0);
    // Non-ASCII ids hash by UTF-16 code unit, as Java does ("é".hashCode() is 233).
    expect(groupBucket('é')).toBe(233 % GROUP_BUCKETS);
  });

  it('spreads many group ids over every bucket', () => {
    const counts = new Array<number>(GROUP_BUCKETS).fill(0);
    for (let i = 0; i < 1600; i++) counts[groupBucket(`consumer-group-${i}`)]!++;
    expect(Math.min(...counts)).toBeGreaterThan(50);
  });

  it('names each bucket as a lease resource and reads it back; other resources are no bucket', () => {
    expect(BUCKET_RESOURCES).toHaveLength(GROUP_BUCKETS);
    expect(BUCKET_RESOURCES.map((r) => bucketOfResource(r))).toEqual(Array.from({ length: GROUP_BUCKETS }, (_, i) => i));
    for (const other of ['p:T/0', 'b:1', `g:${GROUP_BUCKETS}`, 'g:-1', 'g:x', 'g:1.5']) expect(bucketOfResource(other)).toBeUndefined();
  });
});
