// The real `strata` binary against a real broker: topics, groups, produce, consume,
// bench, output formats, config file, and errors that exit non-zero with a message.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel } from 'kafkajs';
import type { RunningBroker } from '../../src/server/start.js';
import { cli, testBroker } from '../helpers/broker.js';
import { complete, splitWords } from '../../src/cli/shell.js';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
let running: RunningBroker;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'strata-cli-'));
  running = await testBroker(dataDir, { groupInitialRebalanceDelayMs: 50 });
});
afterAll(async () => {
  await running.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Runs the binary without blocking this process (the broker shares its event loop). */
function strata(args: string[], input = '', extraEnv: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [cli, ...args], { env: { ...process.env, STRATA_BOOTSTRAP: running.address, ...extraEnv }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => p.kill('SIGKILL'), 30_000);
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    p.stdin.end(input);
  });
}

const json = async (args: string[], input = ''): Promise<any> => {
  const r = await strata([...args, '--output', 'json'], input);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
};

describe('strata client commands', () => {
  it('teach with --help and refuse bad usage with exit 2', async () => {
    for (const c of [['--help'], ['topic', '--help'], ['group', '--help'], ['produce', '--help'], ['consume', '--help'], ['bench', '--help'], ['serve', '--help']]) {
      const r = await strata(c);
      expect(r.code, c.join(' ')).toBe(0);
      expect(r.stdout).toMatch(/usage: strata/);
      expect(r.stdout).toMatch(/example/);
    }
    expect((await strata(['topic'])).code).toBe(2);
    expect((await strata(['topic', 'create'])).stderr).toMatch(/needs a topic name/);
    expect((await strata(['consume', 't', '--offset', '3'])).stderr).toMatch(/--offset needs --partition/);
    expect((await strata(['produce', 't', '--acks', 'most'])).code).toBe(2);
    expect((await strata(['topic', 'list', '--output', 'yaml'])).code).toBe(2);
    expect((await strata(['nonsense'])).code).toBe(2);
  });

  it('manage topics', async () => {
    expect(await json(['topic', 'create', 'cli-orders', '--partitions', '4', '--config', 'retention.ms=3600000'])).toEqual([{ created: 'cli-orders', partitions: 4 }]);
    expect(await json(['topic', 'list'])).toContainEqual({ topic: 'cli-orders', partitions: 4 });
    const described = await json(['topic', 'describe', 'cli-orders']);
    expect(described.partitions.length).toBe(4);
    expect(described.configs['retention.ms']).toBe('3600000');
    await json(['topic', 'alter', 'cli-orders', '--delete-config', 'retention.ms', '--config', 'segment.bytes=1048576', '--partitions', '6']);
    const after = await json(['topic', 'describe', 'cli-orders']);
    expect(after.partitions.length).toBe(6);
    expect(after.configs['retention.ms']).toBe('604800000');
    expect(after.configs['segment.bytes']).toBe('1048576');
    const dup = await strata(['topic', 'create', 'cli-orders']);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toMatch(/TOPIC_ALREADY_EXISTS/);
    const bad = await strata(['topic', 'alter', 'cli-orders', '--config', 'cleanup.policy=shred']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/INVALID_CONFIG.*cleanup.policy/);
    const table = await strata(['topic', 'list']);
    expect(table.stdout).toMatch(/^TOPIC\s+PARTITIONS$/m);
    expect(await json(['topic', 'delete', 'cli-orders'])).toEqual([{ deleted: 'cli-orders' }]);
  });

  it('produce lines with keys and headers, partitioned like Kafka clients do, and consume them back', async () => {
    const admin = new Kafka({ brokers: [running.address], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'cli-users', numPartitions: 6 }] });
    await admin.disconnect();
    const lines = Array.from({ length: 60 }, (_, i) => `user${i % 12}:{"n":${i}}`).join('\n') + '\n';
    const produced = await json(['produce', 'cli-users', '-K', ':', '-H', 'source=test', '--batch', '7'], lines);
    expect(produced[0].records).toBe(60);
    const consumed = (await strata(['consume', 'cli-users', '--from-beginning', '-e', '-f', 'json'])).stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(consumed.length).toBe(60);
    expect(new Set(consumed.map((r: { value: string }) => JSON.parse(r.value).n)).size).toBe(60);
    for (const r of consumed) expect(r.headers).toEqual({ source: 'test' });
    // Same key, same partition; and the partition a kafkajs producer picks for that key.
    const byKey = new Map<string, Set<number>>();
    for (const r of consumed) byKey.set(r.key, (byKey.get(r.key) ?? new Set()).add(r.partition));
    for (const parts of byKey.values()) expect(parts.size).toBe(1);
    const producer = new Kafka({ brokers: [running.address], logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
    const [meta] = await producer.send({ topic: 'cli-users', messages: [{ key: 'user7', value: 'from kafkajs' }] });
    await producer.disconnect();
    expect([...byKey.get('user7')!][0]).toBe(meta!.partition);
    const one = (await strata(['consume', 'cli-users', '--partition', String(meta!.partition), '--offset', meta!.baseOffset!, '-n', '1', '-f', '%k=%v'])).stdout.trim();
    expect(one).toBe('user7=from kafkajs');
  });

  it('consume as a group, commit, resume; describe, reset and delete the group', async () => {
    await json(['topic', 'create', 'cli-events', '--partitions', '3']);
    await json(['produce', 'cli-events'], Array.from({ length: 30 }, (_, i) => `e${i}`).join('\n') + '\n');
    const first = (await strata(['consume', 'cli-events', '-g', 'cli-g', '--from-beginning', '-n', '10'])).stdout.trim().split('\n');
    expect(first.length).toBe(10);
    const rest = (await strata(['consume', 'cli-events', '-g', 'cli-g', '--from-beginning', '-e'])).stdout.trim().split('\n');
    expect(new Set([...first, ...rest]).size).toBe(30);
    expect(first.length + rest.length).toBe(30); // nothing twice: commits carried over
    const described = await json(['group', 'describe', 'cli-g']);
    expect(described.totalLag).toBe(0);
    expect(described.state).toBe('Empty');
    const reset = await json(['group', 'reset-offsets', 'cli-g', '--topic', 'cli-events', '--to', 'earliest']);
    expect(reset.map((r: { committed: number }) => r.committed)).toEqual([0, 0, 0]);
    expect((await json(['group', 'describe', 'cli-g'])).totalLag).toBe(30);
    expect(await json(['group', 'list'])).toContainEqual({ group: 'cli-g', state: 'Empty', protocolType: 'consumer' });
    expect(await json(['group', 'delete', 'cli-g'])).toEqual([{ deleted: 'cli-g' }]);
    const gone = await strata(['group', 'delete', 'cli-g']);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/GROUP_ID_NOT_FOUND/);
  });

  it('bench produce and consume, and read the bootstrap from a config file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-cli-cfg-'));
    const cfg = join(dir, 'cli.json');
    writeFileSync(cfg, JSON.stringify({ bootstrap: running.address, output: 'json' }));
    const p = await strata(['bench', 'produce', '--records', '3000', '--size', '256', '--topic', 'cli-bench', '--config', cfg], '', { STRATA_BOOTSTRAP: '' });
    expect(p.code, p.stderr).toBe(0);
    const pr = JSON.parse(p.stdout);
    expect(pr.records).toBe(3000);
    expect(pr.mbPerSec).toBeGreaterThan(0);
    const c = await strata(['bench', 'consume', '--topic', 'cli-bench', '--config', cfg], '', { STRATA_BOOTSTRAP: '' });
    expect(JSON.parse(c.stdout).records).toBe(3000);
    const down = await strata(['topic', 'list', '--bootstrap', '127.0.0.1:1']);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/cannot connect to 127.0.0.1:1/);
    rmSync(dir, { recursive: true, force: true });
  });

  it('check arguments before connecting: a usage error never reaches the broker', async () => {
    let connections = 0;
    const server = createServer((sock) => {
      connections++;
      sock.destroy();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      for (const args of [['topic', 'create'], ['topic', 'alter', 't'], ['topic', 'create', 't', '--partitions', 'x'], ['group', 'describe'], ['group', 'reset-offsets', 'g', '--topic', 't', '--to', 'yesterday'], ['schema', 'register', 's']]) {
        const r = await strata([...args, '--bootstrap', address]);
        expect(r.code, args.join(' ')).toBe(2);
        expect(r.stderr).toMatch(/usage: strata/);
      }
      expect(connections).toBe(0);
    } finally {
      server.close();
    }
  });

  it('schema register, list, get, check and delete against the registry', async () => {
    const registry = ['--registry', running.schemaRegistryUrl!];
    const file = join(dataDir, 'reading.avsc');
    writeFileSync(file, JSON.stringify({ type: 'record', name: 'Reading', fields: [{ name: 'v', type: 'double' }] }));
    const registered = await json(['schema', 'register', 'readings-value', '--file', file, ...registry]);
    expect(registered).toEqual([{ subject: 'readings-value', id: expect.any(Number), version: 1 }]);
    expect(await json(['schema', 'list', ...registry])).toContain('readings-value');
    expect(await json(['schema', 'get', 'readings-value', ...registry])).toMatchObject({ subject: 'readings-value', version: 1 });
    expect(await json(['schema', 'get', '--id', String(registered[0].id), ...registry])).toMatchObject({ versions: [{ subject: 'readings-value', version: 1 }] });
    const evolve = JSON.stringify({ type: 'record', name: 'Reading', fields: [{ name: 'v', type: 'double' }, { name: 'unit', type: 'string', default: 'C' }] });
    const good = await strata(['schema', 'check', 'readings-value', '--schema', evolve, ...registry]);
    expect(good.stdout).toMatch(/^compatible/);
    const bad = await strata(['schema', 'check', 'readings-value', '--schema', '"string"', ...registry]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/NOT compatible[\s\S]*oldSchemaVersion: 1/);
    const refused = await strata(['schema', 'register', 'readings-value', '--schema', '"string"', ...registry]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/incompatible.*error 409/);
    expect(await json(['schema', 'delete', 'readings-value', ...registry])).toEqual([1]);
    const missing = await strata(['schema', 'get', 'readings-value', ...registry]);
    expect(missing.stderr).toMatch(/Subject 'readings-value' not found.*error 40401/);
    const nowhere = await strata(['schema', 'list', '--registry', 'http://127.0.0.1:1']);
    expect(nowhere.code).toBe(1);
    expect(nowhere.stderr).toMatch(/cannot reach the schema registry/);
  });

  it('shell runs the same commands from a script, keeps history, and completes names', async () => {
    const history = join(dataDir, 'history');
    const r = await strata(['shell', '--registry', running.schemaRegistryUrl!], 'topic create shell-topic --partitions 2\ntopic list\nnonsense\ntopic create\nexit\ntopic list\n', { STRATA_HISTORY: history });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/shell-topic\s+2/);
    expect(r.stderr).toMatch(/unknown command "nonsense"/);
    expect(r.stderr).toMatch(/topic: strata topic create needs a topic name/);
    expect(readFileSync(history, 'utf8').split('\n').filter(Boolean)).toEqual(['topic create shell-topic --partitions 2', 'topic list', 'nonsense', 'topic create', 'exit']);
    const names = { topics: ['orders', 'other', 'shell-topic'], groups: ['billing'], subjects: ['orders-value'] };
    expect(complete('to', names)).toEqual([['topic'], 'to']);
    expect(complete('topic de', names)).toEqual([['describe', 'delete'], 'de']);
    expect(complete('topic describe o', names)).toEqual([['orders', 'other'], 'o']);
    expect(complete('group reset-offsets billing --topic sh', names)).toEqual([['shell-topic'], 'sh']);
    expect(complete('group describe ', names)).toEqual([['billing'], '']);
    expect(complete('schema get ord', names)).toEqual([['orders-value'], 'ord']);
    expect(splitWords(`topic create "a b" 'c d' e\\ f`)).toEqual(['topic', 'create', 'a b', 'c d', 'e f']);
  });
});
