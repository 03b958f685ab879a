// `strata serve` as users run it: bad settings stop start-up with a message naming them
// and a non-zero exit; SIGTERM shuts down cleanly (logs flushed, clean markers written).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Kafka, logLevel } from 'kafkajs';
import { CLEAN_SHUTDOWN_FILE } from '../../src/storage/names.js';
import { childBroker, cli } from '../helpers/broker.js';
import { KafkaClient } from '../../src/client/kafka-client.js';
import { buildRecordBatch } from '../../src/protocol/records/batch-builder.js';
import { useTmpDirs } from '../helpers/tmp.js';

const tmp = useTmpDirs();

function run(args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; stderr: string; stdout: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 20_000 });
  return { status: r.status, stderr: r.stderr, stdout: r.stdout };
}

describe('strata serve', () => {
  it('explains itself', () => {
    const r = run(['serve', '--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/--data-dir/);
    expect(r.stdout).toMatch(/STRATA_PORT/);
  });

  it.each([
    [['serve', '--port', 'nope'], {}, /--port/],
    [['serve', '--port', '70000'], {}, /--port/],
    [['serve', '--sync-policy', 'sometimes'], {}, /--sync-policy/],
    [['serve', '--no-such-flag'], {}, /no-such-flag/],
    [['serve'], { STRATA_DEFAULT_PARTITIONS: 'many' }, /STRATA_DEFAULT_PARTITIONS/],
    [['serve', '--config', '/nonexistent/strata.json'], {}, /strata\.json/],
    [['serve', '--schema-registry-listener', 'ftp://0.0.0.0:8081'], {}, /schemaRegistryListener.*http:\/\/HOST:PORT, or none/],
    [['launch'], {}, /unknown command/],
  ] as Array<[string[], NodeJS.ProcessEnv, RegExp]>)('refuses %j with a message and a non-zero exit', (args, env, message) => {
    const r = run(args[0] === 'serve' ? [...args, '--data-dir', tmp()] : args, env);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(message);
  });

  it('logs for people on a terminal (pino-pretty) and JSON lines elsewhere', async () => {
    const p = spawn(process.execPath, [cli, 'serve', '--port', '0', '--admin-port', '0', '--schema-registry-listener', 'none', '--data-dir', tmp()], { env: { ...process.env, STRATA_LOG_FORMAT: 'pretty' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no listening line:\n${out}`)), 20_000);
      p.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('strata broker listening')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    p.kill('SIGTERM');
    await new Promise((r) => p.once('exit', r));
    expect(out).toMatch(/\[\d\d:\d\d:\d\d\.\d{3}\] INFO: strata broker listening/);
    expect(out).not.toMatch(/"msg":/);
  }, 30_000);

  it('refuses a config file with an unknown key, naming it', () => {
    const dir = tmp();
    const file = join(dir, 'strata.json');
    writeFileSync(file, JSON.stringify({ port: 0, retentionDays: 3 }));
    const r = run(['serve', '--config', file, '--data-dir', dir]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/retentionDays/);
  });

  it('reads a config file, lets flags override it, and shuts down cleanly on SIGTERM', async () => {
    const dir = tmp();
    const file = join(dir, 'strata.json');
    writeFileSync(file, JSON.stringify({ port: 1, dataDir: join(dir, 'from-file'), defaultPartitions: 2 }));
    const broker = await childBroker(['--config', file, '--port', '0', '--data-dir', join(dir, 'data')]);
    const kafka = new Kafka({ brokers: [broker.address], logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'auto', messages: [{ value: 'hello' }] });
    await producer.disconnect();
    const code = await broker.kill('SIGTERM');
    expect(code).toBe(0);
    expect(existsSync(join(dir, 'data', 'auto-0', CLEAN_SHUTDOWN_FILE))).toBe(true);
    expect(existsSync(join(dir, 'data', 'auto-1', CLEAN_SHUTDOWN_FILE))).toBe(true); // defaultPartitions from the file
    expect(existsSync(join(dir, 'from-file'))).toBe(false); // the flag won
    expect(broker.output()).toMatch(/strata broker stopped/);
  });

  it('keeps serving when nobody reads its log output', async () => {
    const b = await childBroker(['--port', '0', '--data-dir', tmp()]);
    try {
      // Stop reading the broker's stdout: the pipe fills (64 KiB) and stays full.
      b.proc.stdout!.removeAllListeners('data');
      b.proc.stdout!.pause();
      const c = await KafkaClient.connect(b.address);
      try {
        const work = (async () => {
          // One ~370-byte log line per topic: 600 of them are three pipes full.
          for (let i = 0; i < 600; i++) await c.createTopic(`${'l'.repeat(240)}-${i}`, 1, {});
          await c.produce(`${'l'.repeat(240)}-7`, 0, buildRecordBatch([{ value: Buffer.from('still here') }]), -1);
        })();
        const stuck = new Promise((_, reject) => setTimeout(() => reject(new Error('the broker stopped answering while its stdout was not read')), 60_000));
        await Promise.race([work, stuck]);
      } finally {
        c.close();
      }
    } finally {
      await b.kill();
    }
  });

  it('exits non-zero when the port is taken', async () => {
    const first = await childBroker(['--port', '0', '--data-dir', tmp()]);
    const r = run(['serve', '--port', String(first.port), '--admin-port', '0', '--data-dir', tmp()]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/cannot listen/);
    await first.kill('SIGTERM');
  });
});
