// The ClusterMetadataStore contract (src/services/cluster-metadata.ts), written against the
// interface: every implementation runs it (cluster-metadata.test.ts), and a PostgreSQL
// store will pass by running the same suite.
import { describe, expect, it } from 'vitest';
import type { ClusterMetadataStore, TopicRecord } from '../../src/services/cluster-metadata.js';
import { errorName } from '../helpers/error-name.js';

export interface MetadataHarness {
  store: ClusterMetadataStore;
  /** Durable implementations: the same store opened again (after close). */
  reopen?: () => Promise<ClusterMetadataStore>;
}

const topic = (name: string, partitions = 2, configs: Record<string, string> = {}): TopicRecord => ({ name, id: `id-${name}`, partitions, configs });


export function clusterMetadataContract(name: string, open: () => Promise<MetadataHarness>, options: { durable: boolean }): void {
  describe(`ClusterMetadataStore contract: ${name}`, () => {
    it('has a stable cluster id and starts without topics, leaders or brokers', async () => {
      const { store } = await open();
      const id = await store.clusterId();
      expect(id).toMatch(/^[A-Za-z0-9_-]{10,}$/);
      expect(await store.clusterId()).toBe(id);
      expect(await store.topics()).toEqual([]);
      expect(await store.leaders()).toEqual([]);
      expect(await store.brokers()).toEqual([]);
      await store.close();
    });

    it('creates topics at version 1 and refuses a name that is taken', async () => {
      const { store } = await open();
      expect(await store.createTopic(topic('a', 3, { 'retention.ms': '1000' }))).toEqual({ value: topic('a', 3, { 'retention.ms': '1000' }), version: 1 });
      expect(await store.topic('a')).toEqual({ value: topic('a', 3, { 'retention.ms': '1000' }), version: 1 });
      expect(await errorName(() => store.createTopic(topic('a', 1)))).toBe('TOPIC_ALREADY_EXISTS');
      expect((await store.topics()).map((t) => t.value.name)).toEqual(['a']);
      expect(await store.topic('missing')).toBeUndefined();
      await store.close();
    });

    it('applies an update only at the expected version, and each accepted update adds one', async () => {
      const { store } = await open();
      await store.createTopic(topic('a'));
      expect((await store.updateTopic(topic('a', 4), 1)).version).toBe(2);
      expect(await errorName(() => store.updateTopic(topic('a', 9), 1))).toBe('STRATA_METADATA_CONFLICT');
      expect(await store.topic('a')).toEqual({ value: topic('a', 4), version: 2 });
      expect(await errorName(() => store.updateTopic(topic('nope'), 1))).toBe('STRATA_METADATA_CONFLICT');
      expect(await errorName(() => store.updateTopic({ ...topic('a'), id: 'another-id' }, 2))).toBe('STRATA_METADATA_CONFLICT');
      await store.close();
    });

    it('fences a stale writer: of two updates from the same version only one wins', async () => {
      const { store } = await open();
      await store.createTopic(topic('a'));
      const results = await Promise.allSettled([store.updateTopic(topic('a', 5), 1), store.updateTopic(topic('a', 6), 1)]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const won = results.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<{ value: TopicRecord }>;
      expect((await store.topic('a'))?.value.partitions).toBe(won.value.value.partitions);
      await store.close();
    });

    it('deletes conditionally, with the topic its leadership records', async () => {
      const { store } = await open();
      await store.createTopic(topic('a'));
      await store.setLeader('a', 0, { leaderId: 1, leaderEpoch: 0 }, 0);
      expect(await errorName(() => store.deleteTopic('a', 7))).toBe('STRATA_METADATA_CONFLICT');
      expect(await store.topic('a')).toBeDefined();
      await store.deleteTopic('a', 1);
      expect(await store.topic('a')).toBeUndefined();
      expect(await store.leader('a', 0)).toBeUndefined();
      expect(await errorName(() => store.deleteTopic('a', 1))).toBe('STRATA_METADATA_CONFLICT');
      await store.createTopic(topic('a'));
      expect((await store.topic('a'))?.version).toBe(1);
      await store.close();
    });

    it('records partition leadership with compare-and-set, epochs as given', async () => {
      const { store } = await open();
      await store.createTopic(topic('a', 2));
      expect(await store.leader('a', 1)).toBeUndefined();
      expect(await store.setLeader('a', 1, { leaderId: 1, leaderEpoch: 0 }, 0)).toEqual({ value: { leaderId: 1, leaderEpoch: 0 }, version: 1 });
      expect(await errorName(() => store.setLeader('a', 1, { leaderId: 2, leaderEpoch: 1 }, 0))).toBe('STRATA_METADATA_CONFLICT');
      expect((await store.setLeader('a', 1, { leaderId: 2, leaderEpoch: 1 }, 1)).version).toBe(2);
      expect(await store.leader('a', 1)).toEqual({ value: { leaderId: 2, leaderEpoch: 1 }, version: 2 });
      expect(await store.leaders()).toEqual([{ topic: 'a', partition: 1, value: { leaderId: 2, leaderEpoch: 1 }, version: 2 }]);
      expect(await errorName(() => store.setLeader('a', 2, { leaderId: 1, leaderEpoch: 0 }, 0))).toBe('UNKNOWN_TOPIC_OR_PARTITION');
      expect(await errorName(() => store.setLeader('b', 0, { leaderId: 1, leaderEpoch: 0 }, 0))).toBe('UNKNOWN_TOPIC_OR_PARTITION');
      await store.close();
    });

    it('registers brokers and updates an address only from the current registration', async () => {
      const { store } = await open();
      await store.registerBroker({ nodeId: 1, host: 'a', port: 9092, rack: null }, 0);
      await store.registerBroker({ nodeId: 2, host: 'b', port: 9092, rack: 'r1' }, 0);
      expect(await errorName(() => store.registerBroker({ nodeId: 1, host: 'stale', port: 1, rack: null }, 0))).toBe('STRATA_METADATA_CONFLICT');
      await store.registerBroker({ nodeId: 1, host: 'a2', port: 9093, rack: null }, 1);
      const brokers = (await store.brokers()).sort((x, y) => x.value.nodeId - y.value.nodeId);
      expect(brokers).toEqual([{ value: { nodeId: 1, host: 'a2', port: 9093, rack: null }, version: 2 }, { value: { nodeId: 2, host: 'b', port: 9092, rack: 'r1' }, version: 1 }]);
      await store.close();
    });

    it('stores SCRAM credentials per user and mechanism with compare-and-set', async () => {
      const { store } = await open();
      const cred = (user: string, mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512', salt = 'c2FsdA==') => ({ user, mechanism, salt, storedKey: 'c3RvcmVk', serverKey: 'c2VydmVy', iterations: 4096 });
      expect(await store.setScramCredential(cred('alice', 'SCRAM-SHA-256'), 0)).toEqual({ value: cred('alice', 'SCRAM-SHA-256'), version: 1 });
      await store.setScramCredential(cred('alice', 'SCRAM-SHA-512'), 0);
      expect(await errorName(() => store.setScramCredential(cred('alice', 'SCRAM-SHA-256', 'b3RoZXI='), 0))).toBe('STRATA_METADATA_CONFLICT');
      expect((await store.setScramCredential(cred('alice', 'SCRAM-SHA-256', 'bmV3'), 1)).version).toBe(2);
      expect((await store.scramCredentials()).map((c) => [c.value.mechanism, c.value.salt, c.version]).sort()).toEqual([['SCRAM-SHA-256', 'bmV3', 2], ['SCRAM-SHA-512', 'c2FsdA==', 1]]);
      expect(await errorName(() => store.deleteScramCredential('alice', 'SCRAM-SHA-512', 2))).toBe('STRATA_METADATA_CONFLICT');
      await store.deleteScramCredential('alice', 'SCRAM-SHA-512', 1);
      expect((await store.scramCredentials()).map((c) => c.value.mechanism)).toEqual(['SCRAM-SHA-256']);
      await store.close();
    });

    it('keeps ACLs as a set: adding twice or removing what is absent changes nothing', async () => {
      const { store } = await open();
      const read = { resourceType: 2, resourceName: 'orders', patternType: 3, principal: 'User:alice', host: '*', operation: 3, permission: 3 };
      const deny = { ...read, principal: 'User:bob', permission: 2 };
      expect(await store.acls()).toEqual([]);
      await store.addAcls([read, deny]);
      await store.addAcls([read]);
      expect(await store.acls()).toEqual([read, deny]);
      await store.removeAcls([{ ...read, host: '10.0.0.1' }]);
      expect(await store.acls()).toHaveLength(2);
      await store.removeAcls([read]);
      expect(await store.acls()).toEqual([deny]);
      await store.close();
    });

    it('keeps one quota entry per entity, a user default apart from an unset user, and drops an emptied one', async () => {
      const { store } = await open();
      await store.setClientQuota({ entity: { user: 'alice' }, values: { producer_byte_rate: 1000 } });
      await store.setClientQuota({ entity: { user: null }, values: { producer_byte_rate: 5 } });
      await store.setClientQuota({ entity: { user: 'alice', 'client-id': 'c1' }, values: { consumer_byte_rate: 7 } });
      await store.setClientQuota({ entity: { user: 'alice' }, values: { producer_byte_rate: 2000, request_percentage: 50 } });
      const all = await store.clientQuotas();
      expect(all).toHaveLength(3);
      expect(all.find((q) => q.entity.user === 'alice' && !('client-id' in q.entity))?.values).toEqual({ producer_byte_rate: 2000, request_percentage: 50 });
      expect(all.find((q) => q.entity.user === null)?.values).toEqual({ producer_byte_rate: 5 });
      await store.setClientQuota({ entity: { user: null }, values: {} });
      expect(await store.clientQuotas()).toHaveLength(2);
      await store.close();
    });

    it('hands out disjoint, increasing producer-id blocks, also to concurrent callers', async () => {
      const { store } = await open();
      const blocks = await Promise.all(Array.from({ length: 10 }, (_, i) => store.allocateProducerIds(1 + i)));
      const ids = blocks.flatMap((b) => Array.from({ length: b.size }, (_, i) => b.first + i));
      expect(new Set(ids).size).toBe(ids.length);
      expect(blocks.every((b, i) => b.size === 1 + i && b.first >= 0)).toBe(true);
      const later = await store.allocateProducerIds(5);
      expect(later.first).toBeGreaterThanOrEqual(Math.max(...ids) + 1);
      expect(await errorName(() => store.allocateProducerIds(0))).toBe('STRATA_CONFIG_INVALID');
      await store.close();
    });

    // Only durable implementations are asked to survive a reopen (no skipped test for memory).
    if (options.durable) it('keeps every resolved write across a reopen', async () => {
      const { store, reopen } = await open();
      if (reopen === undefined) throw new Error('a durable implementation must say how to reopen it');
      const id = await store.clusterId();
      await store.createTopic(topic('a', 2, { 'retention.ms': '5' }));
      await store.updateTopic(topic('a', 3, { 'retention.ms': '5' }), 1);
      await store.setLeader('a', 2, { leaderId: 7, leaderEpoch: 3 }, 0);
      await store.registerBroker({ nodeId: 7, host: 'h', port: 1, rack: null }, 0);
      await store.setScramCredential({ user: 'u', mechanism: 'SCRAM-SHA-512', salt: 'cw==', storedKey: 'aw==', serverKey: 'cw==', iterations: 8192 }, 0);
      await store.addAcls([{ resourceType: 3, resourceName: 'g', patternType: 4, principal: 'User:u', host: '*', operation: 2, permission: 3 }]);
      await store.setClientQuota({ entity: { 'client-id': null }, values: { consumer_byte_rate: 9 } });
      const block = await store.allocateProducerIds(100);
      await store.close();
      const again = await reopen();
      expect(await again.clusterId()).toBe(id);
      expect(await again.topics()).toEqual([{ value: topic('a', 3, { 'retention.ms': '5' }), version: 2 }]);
      expect(await again.leader('a', 2)).toEqual({ value: { leaderId: 7, leaderEpoch: 3 }, version: 1 });
      expect((await again.brokers()).map((b) => b.value.host)).toEqual(['h']);
      expect((await again.scramCredentials()).map((c) => [c.value.user, c.value.iterations, c.version])).toEqual([['u', 8192, 1]]);
      expect((await again.acls()).map((a) => a.resourceName)).toEqual(['g']);
      expect(await again.clientQuotas()).toEqual([{ entity: { 'client-id': null }, values: { consumer_byte_rate: 9 } }]);
      expect((await again.allocateProducerIds(1)).first).toBeGreaterThanOrEqual(block.first + block.size);
      await again.close();
    });
  });
}
