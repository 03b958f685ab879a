// The checks both topic directories (single node and cluster) make before a change, with the
// Kafka error each gives.
import { describe, expect, it } from 'vitest';
import { KafkaError } from '../../../src/errors.js';
import { Topic, TopicTable } from '../../../src/broker/topic-table.js';
import type { PartitionStore } from '../../../src/services/partition-store.js';

type T = Topic<PartitionStore>;
const topic = (name: string, partitions: number): T =>
  new Topic({ name, id: `id-${name}`, partitions, configs: {} }, Array.from({ length: partitions }, () => ({}) as PartitionStore), 1);

function errorName(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (err) {
    return err instanceof KafkaError ? err.errorName : String(err);
  }
}

describe('TopicTable', () => {
  it('refuses a bad name, a taken name, a bad count, an unknown config, and a count over the budget', () => {
    const table = new TopicTable<T>(10, 'cluster');
    table.set(topic('a', 4));
    expect(errorName(() => table.checkNew('bad/name', 1, {}))).toBe('INVALID_TOPIC_EXCEPTION');
    expect(errorName(() => table.checkNew('a', 1, {}))).toBe('TOPIC_ALREADY_EXISTS');
    expect(errorName(() => table.checkNew('b', 0, {}))).toBe('INVALID_PARTITIONS');
    expect(errorName(() => table.checkNew('b', 1.5, {}))).toBe('INVALID_PARTITIONS');
    expect(errorName(() => table.checkNew('b', 1, { 'no.such.config': '1' }))).toBe('INVALID_CONFIG');
    expect(errorName(() => table.checkNew('b', 7, {}))).toBe('POLICY_VIOLATION');
    expect(() => table.checkNew('b', 7, {})).toThrow(/this cluster allows 10/);
    expect(errorName(() => table.checkNew('b', 6, {}))).toBeUndefined();
  });

  it('checks growth against the current count and the budget, and knows unknown topics', () => {
    const table = new TopicTable<T>(10, 'broker');
    table.set(topic('a', 4));
    expect(errorName(() => table.checkGrowth('zz', 5))).toBe('UNKNOWN_TOPIC_OR_PARTITION');
    expect(errorName(() => table.checkGrowth('a', 4))).toBe('INVALID_PARTITIONS');
    expect(errorName(() => table.checkGrowth('a', 11))).toBe('POLICY_VIOLATION');
    expect(table.checkGrowth('a', 10).current).toBe(4);
    expect(errorName(() => table.require('zz'))).toBe('UNKNOWN_TOPIC_OR_PARTITION');
    expect(table.byId('id-a')?.name).toBe('a');
  });

  it('counts a creation under way as taken until it settles, whether it succeeds or fails', async () => {
    const table = new TopicTable<T>(10, 'broker');
    let fail!: (err: Error) => void;
    const creation = table.track('c', new Promise<T | undefined>((_, reject) => { fail = reject; }));
    expect(table.pending('c')).toBe(creation);
    expect(errorName(() => table.checkNew('c', 1, {}))).toBe('TOPIC_ALREADY_EXISTS');
    fail(new Error('store refused'));
    await expect(creation).rejects.toThrow('store refused');
    expect(table.pending('c')).toBeUndefined();
    expect(errorName(() => table.checkNew('c', 1, {}))).toBeUndefined();
  });
});
