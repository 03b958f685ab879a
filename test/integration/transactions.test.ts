// Transactions with real clients against a Strata child process: the Java client (kafka-clients
// 4.1) commits and aborts across three partitions of two topics and a read_committed consumer
// sees exactly the committed records (read_uncommitted all of them); a second producer with the
// same transactional id fences the first; a consume-transform-produce loop
// (sendOffsetsToTransaction) runs while the broker is killed with SIGKILL and restarted, and
// every input record is in the output exactly once. kafkajs transactions (send, sendOffsets,
// commit, abort) the same way; `kafka-transactions list|describe` shows the transactions.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childBroker, eventually, freePort, root, type ChildBroker } from '../helpers/broker.js';
import { hasJavaClients } from '../helpers/java.js';
import { runKcat } from '../helpers/kcat.js';
import { hasTool, runWith } from '../helpers/tools.js';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
const javaCp = `${join(root, 'test/java/target/strata-java-clients-0.1.0.jar')}:${join(root, 'test/java/target/lib/*')}`;
const toolsCp = join(root, 'test', 'kafka-tools', 'target', 'lib', '*');
const hasKafkaTools = existsSync(join(root, 'test', 'kafka-tools', 'target', 'lib', 'kafka_2.13-4.1.1.jar')) && hasTool('java', ['-version']);
const hasKcat = spawnSync('kcat', ['-V']).status === 0;

/** Runs a Java main class; resolves with its output lines (and rejects on a non-zero exit). */
function java(cp: string, main: string, args: string[], onLine: (line: string) => void = () => undefined, timeoutMs = 150_000): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const p = spawn('java', ['-cp', cp, main, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    let buf = '';
    let err = '';
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const parts = buf.split('\n');
      buf = parts.pop()!;
      for (const l of parts) {
        lines.push(l);
        onLine(l);
      }
    });
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('exit', (code) => {
      clearTimeout(timer);
      if (buf !== '') lines.push(buf);
      if (code === 0) resolve(lines);
      else reject(new Error(`${main} ${args.join(' ')} exited ${code}:\n${lines.slice(-20).join('\n')}\n${err.slice(-4000)}`));
    });
  });
}

describe('transactions against a Strata child broker', () => {
  let dir: string;
  let port: number;
  let broker: ChildBroker;
  let admin: Admin;
  const args = (): string[] => ['--port', String(port), '--data-dir', join(dir, 'data'), '--transaction-abort-timed-out-interval-ms', '1000', '--group-initial-rebalance-delay-ms', '0'];
  const kafka = (): Kafka => new Kafka({ brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 200 } });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'strata-txn-'));
    port = await freePort();
    broker = await childBroker(args());
    admin = kafka().admin();
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.disconnect();
    await broker?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  describe.runIf(runWith(hasJavaClients))('Java client', () => {
    it('commits and aborts across 3 partitions of 2 topics: read_committed sees exactly the committed records', async () => {
      await admin.createTopics({ topics: [{ topic: 'txa', numPartitions: 2 }, { topic: 'txb', numPartitions: 1 }] });
      const lines = await java(javaCp, 'strata.TxnCheck', ['commit-abort', broker.address, 'txa', 'txb']);
      expect(lines.filter((l) => l.startsWith('ended'))).toEqual(['ended t0 commit', 'ended t1 abort', 'ended t2 commit']);
      const rc = lines.filter((l) => l.startsWith('RC ')).map((l) => l.slice(3));
      const ru = lines.filter((l) => l.startsWith('RU ')).map((l) => l.slice(3));
      const values = (t: number): string[] => ['a0', 'a1', 'b0'].flatMap((p) => [0, 1, 2, 3, 4].map((i) => `t${t}-${p}-${i}`));
      expect([...rc].sort()).toEqual([...values(0), ...values(2)].sort());
      expect([...ru].sort()).toEqual([...values(0), ...values(1), ...values(2)].sort());
      // Each partition in order: t0's records, then t2's (t1's skipped) for read_committed.
      expect(rc.filter((v) => v.includes('-a0-'))).toEqual([...values(0), ...values(2)].filter((v) => v.includes('-a0-')));
    });

    it('fences a zombie producer: only the new producer\'s records are committed', async () => {
      await admin.createTopics({ topics: [{ topic: 'txf', numPartitions: 1 }] });
      const lines = await java(javaCp, 'strata.TxnCheck', ['fence', broker.address, 'txf']);
      expect(lines.find((l) => l.startsWith('fenced ') || l === 'not fenced')).toMatch(/^fenced (ProducerFencedException|InvalidProducerEpochException)$/);
      expect(lines.filter((l) => l.startsWith('RC '))).toEqual(['RC live-1']);
    });

    it('consume-transform-produce survives kill -9 of the broker: every input record is in the output exactly once', async () => {
      const INPUT = 3000;
      await admin.createTopics({ topics: [{ topic: 'ctp-in', numPartitions: 3 }, { topic: 'ctp-out', numPartitions: 3 }] });
      const producer = kafka().producer();
      await producer.connect();
      for (let i = 0; i < INPUT; i += 500) {
        await producer.send({ topic: 'ctp-in', messages: Array.from({ length: 500 }, (_, j) => ({ key: `k${(i + j) % 17}`, value: `v${i + j}` })) });
      }
      await producer.disconnect();
      let commits = 0;
      let killed: Promise<void> | undefined;
      let kills = 0;
      const run = java(javaCp, 'strata.TxnProcessor', [broker.address, 'ctp-in', 'ctp-out', 'ctp-group', 'ctp-txn', String(INPUT), '120000'], (line) => {
        if (!line.startsWith('committed')) return;
        commits++;
        // Mid-run, three times: kill the broker (no clean shutdown) and start it again on the same port and data.
        if ([10, 25, 40].includes(commits)) {
          killed = (async () => {
            await killed;
            await broker.kill('SIGKILL');
            kills++;
            await new Promise((r) => setTimeout(r, 300));
            broker = await childBroker(args());
          })();
        }
      });
      const lines = await run;
      await killed;
      expect(kills).toBe(3);
      expect(lines.at(-1)).toBe('done');
      // The loop went on across the kill: transactions were committed after it, on the restarted broker.
      expect(lines.filter((l) => l.startsWith('committed')).length).toBeGreaterThan(40);
      console.log(`consume-transform-produce: ${lines.filter((l) => l.startsWith('restart')).join(', ') || 'no client restart'}`);
      // Every input value once in the committed output (kcat, read_committed).
      const out = (await runKcat(['-C', '-b', broker.address, '-t', 'ctp-out', '-e', '-q', '-X', 'isolation.level=read_committed', '-f', '%s\n'])).split('\n').filter((l) => l !== '');
      const counts = new Map<string, number>();
      for (const v of out) counts.set(v, (counts.get(v) ?? 0) + 1);
      const duplicates = [...counts].filter(([, n]) => n > 1).map(([v]) => v);
      const missing = Array.from({ length: INPUT }, (_, i) => `out:v${i}`).filter((v) => !counts.has(v));
      expect({ duplicates: duplicates.slice(0, 10), missing: missing.slice(0, 10), total: out.length }).toEqual({ duplicates: [], missing: [], total: INPUT });
    }, 180_000);
  });

  describe.runIf(runWith(hasJavaClients && hasKcat))('Kafka Streams', () => {
    it('a word count with exactly_once_v2 ends with exact counts though the broker is killed (SIGKILL) mid-run', async () => {
      await admin.createTopics({ topics: [{ topic: 'wc-in', numPartitions: 2 }, { topic: 'wc-out', numPartitions: 2 }] });
      const expected = new Map<string, number>();
      const lines = (from: number, n: number): Array<{ value: string }> => Array.from({ length: n }, (_, j) => {
        const words = [`w${(from + j) % 7}`, `v${(from + j) % 13}`, 'common'];
        for (const w of words) expected.set(w, (expected.get(w) ?? 0) + 1);
        return { value: words.join(' ') };
      });
      const produceWave = async (from: number): Promise<void> => {
        const p = kafka().producer();
        await p.connect();
        for (let i = from; i < from + 1000; i += 250) await p.send({ topic: 'wc-in', messages: lines(i, 250) });
        await p.disconnect();
      };
      const counts = async (): Promise<Map<string, number>> => {
        const out = await runKcat(['-C', '-b', broker.address, '-t', 'wc-out', '-e', '-q', '-X', 'isolation.level=read_committed', '-s', 'value=q', '-f', '%k %s\n']);
        const latest = new Map<string, number>();
        for (const l of out.split('\n')) {
          const [k, v] = l.split(' ');
          if (k !== undefined && v !== undefined && k !== '') latest.set(k, Number(v));
        }
        return latest;
      };
      const app = spawn('java', ['-cp', javaCp, 'strata.WordCountEos', broker.address, 'wc-in', 'wc-out', 'wc-app', join(dir, 'streams-state')], { stdio: ['ignore', 'pipe', 'inherit'] });
      let log = '';
      app.stdout.on('data', (d: Buffer) => (log += d.toString()));
      try {
        await eventually(() => log.includes('state RUNNING'), 60_000, 'the Streams app to run');
        await produceWave(0);
        await eventually(async () => ((await counts()).get('common') ?? 0) > 0, 60_000, 'the first counts');
        // Killed while the app is busy with the wave: no clean shutdown, no flush.
        await broker.kill('SIGKILL');
        broker = await childBroker(args());
        await produceWave(1000);
        let last = new Map<string, number>();
        const done = async (): Promise<boolean> => {
          last = await counts();
          return [...expected].every(([w, n]) => last.get(w) === n);
        };
        await eventually(done, 120_000, 'exact counts').catch(() => undefined);
        expect(Object.fromEntries([...last].sort())).toEqual(Object.fromEntries([...expected].sort()));
        expect(log).not.toMatch(/^error /m);
      } finally {
        app.kill('SIGTERM');
        await new Promise((r) => setTimeout(r, 200));
        if (app.exitCode === null) app.kill('SIGKILL');
      }
    }, 300_000);
  });

  it('kafkajs transactions: send and sendOffsets commit together; an abort leaves nothing visible', async () => {
    await admin.createTopics({ topics: [{ topic: 'kjs-in', numPartitions: 1 }, { topic: 'kjs-out', numPartitions: 2 }] });
    const k = kafka();
    const plain = k.producer();
    await plain.connect();
    await plain.send({ topic: 'kjs-in', messages: Array.from({ length: 10 }, (_, i) => ({ value: `in${i}` })) });
    await plain.disconnect();
    const producer = k.producer({ transactionalId: 'kjs-txn', maxInFlightRequests: 1, idempotent: true });
    await producer.connect();
    const committed = await producer.transaction();
    await committed.send({ topic: 'kjs-out', messages: [{ key: 'a', value: 'kept-1' }, { key: 'b', value: 'kept-2' }] });
    await committed.sendOffsets({ consumerGroupId: 'kjs-group', topics: [{ topic: 'kjs-in', partitions: [{ partition: 0, offset: '7' }] }] });
    await committed.commit();
    const aborted = await producer.transaction();
    await aborted.send({ topic: 'kjs-out', messages: [{ key: 'a', value: 'gone-1' }, { key: 'b', value: 'gone-2' }] });
    await aborted.sendOffsets({ consumerGroupId: 'kjs-group', topics: [{ topic: 'kjs-in', partitions: [{ partition: 0, offset: '9' }] }] });
    await aborted.abort();
    await producer.disconnect();
    // The committed offset is the first transaction's; the aborted one's never appeared.
    const offsets = await admin.fetchOffsets({ groupId: 'kjs-group', topics: ['kjs-in'] });
    expect(offsets[0]!.partitions).toEqual([{ partition: 0, offset: '7', metadata: null }]);
    // A read_committed kafkajs consumer (its default) sees the committed records only.
    const consumer = k.consumer({ groupId: 'kjs-reader', readUncommitted: false });
    await consumer.connect();
    await consumer.subscribe({ topic: 'kjs-out', fromBeginning: true });
    const seen: string[] = [];
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
    const deadline = Date.now() + 20_000;
    while (seen.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 1000));
    await consumer.disconnect();
    expect(seen.sort()).toEqual(['kept-1', 'kept-2']);
  });

  it.runIf(runWith(hasKafkaTools))('kafka-transactions list and describe show the transactions', async () => {
    const k = kafka();
    const producer = k.producer({ transactionalId: 'tool-txn', maxInFlightRequests: 1, idempotent: true });
    await producer.connect();
    const open = await producer.transaction();
    await admin.createTopics({ topics: [{ topic: 'tool-t', numPartitions: 1 }] });
    await open.send({ topic: 'tool-t', messages: [{ value: 'x' }] });
    const list = (await java(toolsCp, 'org.apache.kafka.tools.TransactionsCommand', ['--bootstrap-server', broker.address, 'list'])).join('\n');
    expect(list).toMatch(/tool-txn\s+\d+\s+\d+\s+Ongoing/);
    const described = (await java(toolsCp, 'org.apache.kafka.tools.TransactionsCommand', ['--bootstrap-server', broker.address, 'describe', '--transactional-id', 'tool-txn'])).join('\n');
    expect(described).toMatch(/Ongoing/);
    expect(described).toMatch(/tool-t-0/);
    await open.commit();
    await producer.disconnect();
    const after = (await java(toolsCp, 'org.apache.kafka.tools.TransactionsCommand', ['--bootstrap-server', broker.address, 'describe', '--transactional-id', 'tool-txn'])).join('\n');
    expect(after).toMatch(/CompleteCommit/);
  });

  it.runIf(runWith(hasKcat))('kcat read_committed stops at an open transaction and continues after its commit', async () => {
    await admin.createTopics({ topics: [{ topic: 'lso-t', numPartitions: 1 }] });
    const k = kafka();
    const plain = k.producer();
    await plain.connect();
    await plain.send({ topic: 'lso-t', messages: [{ value: 'before' }] });
    const producer = k.producer({ transactionalId: 'lso-txn', maxInFlightRequests: 1, idempotent: true });
    await producer.connect();
    const open = await producer.transaction();
    await open.send({ topic: 'lso-t', messages: [{ value: 'inside' }] });
    await plain.send({ topic: 'lso-t', messages: [{ value: 'after' }] });
    const read = async (isolation: string): Promise<string[]> => (await runKcat(['-C', '-b', broker.address, '-t', 'lso-t', '-e', '-q', '-X', `isolation.level=${isolation}`, '-f', '%s\n'])).split('\n').filter((l) => l !== '');
    expect(await read('read_committed')).toEqual(['before']);
    expect(await read('read_uncommitted')).toEqual(['before', 'inside', 'after']);
    await open.commit();
    expect(await read('read_committed')).toEqual(['before', 'inside', 'after']);
    await producer.disconnect();
    await plain.disconnect();
  });
});
