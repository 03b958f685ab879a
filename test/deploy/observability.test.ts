// Alerts and dashboards only name metrics the broker exports; the alert rules pass
// promtool; and a real Prometheus scrapes a broker under produce/consume load and
// serves the values back through its HTTP API.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel } from 'kafkajs';
import type { RunningBroker } from '../../src/server/start.js';
import { eventually, freePort, root, testBroker } from '../helpers/broker.js';
import { exportedNames, metricNames } from '../helpers/promql.js';
import { useTmpDirs } from '../helpers/tmp.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { toolsRequired } from '../helpers/tools.js';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
const tmp = useTmpDirs();
const required = toolsRequired;
const hasPrometheus = spawnSync('prometheus', ['--version']).status === 0;
const hasPromtool = spawnSync('promtool', ['--version']).status === 0;
const alertsFile = join(root, 'deploy', 'prometheus', 'alerts.yml');
const dashboardsDir = join(root, 'deploy', 'grafana');

let running: RunningBroker;
let dataDir: string;
beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'strata-obs-'));
  running = await testBroker(dataDir);
});
afterAll(async () => {
  await running.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function alertExpressions(): string[] {
  return [...readFileSync(alertsFile, 'utf8').matchAll(/^\s*expr:\s*(.+)$/gm)].map((m) => m[1]!);
}

function dashboardExpressions(): Array<[string, string]> {
  return readdirSync(dashboardsDir).flatMap((f) => {
    const d = JSON.parse(readFileSync(join(dashboardsDir, f), 'utf8')) as { panels: Array<{ targets: Array<{ expr: string }> }> };
    return d.panels.flatMap((p) => p.targets.map((t): [string, string] => [f, t.expr]));
  });
}

describe('observability assets', () => {
  it('name only metrics the broker exports', async () => {
    const exported = exportedNames(await (await fetch(`http://127.0.0.1:${running.adminPort}/metrics`)).text());
    const used = [...alertExpressions().map((e): [string, string] => ['alerts.yml', e]), ...dashboardExpressions()];
    expect(used.length).toBeGreaterThan(25);
    const missing = used.flatMap(([file, expr]) => metricNames(expr).filter((n) => !exported.has(n)).map((n) => `${file}: ${n}`));
    expect(missing).toEqual([]);
    expect(readdirSync(dashboardsDir).sort()).toEqual(['broker-overview.json', 'consumer-lag.json', 'storage-and-tier.json']);
  });

  it.runIf(hasPromtool || required)('alert rules pass promtool check rules', () => {
    const r = spawnSync('promtool', ['check', 'rules', alertsFile], { encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    // One rule per `- alert:` line of the file.
    const ruleCount = (readFileSync(join(root, 'deploy', 'prometheus', 'alerts.yml'), 'utf8').match(/^\s+- alert:/gm) ?? []).length;
    expect(ruleCount).toBeGreaterThanOrEqual(14);
    expect(r.stdout).toContain(`SUCCESS: ${ruleCount} rules found`);
  });

  it.runIf(hasPromtool || required)('the exposition passes promtool check metrics with topics, groups and clients in it', async () => {
    const kafka = new Kafka({ brokers: [running.address], logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'linted', messages: Array.from({ length: 20 }, (_, i) => ({ value: `v${i}` })) });
    await producer.disconnect();
    const consumer = kafka.consumer({ groupId: 'linted-group' });
    await consumer.connect();
    await consumer.subscribe({ topic: 'linted', fromBeginning: true });
    let seen = 0;
    await new Promise<void>((resolve) => void consumer.run({ eachMessage: async () => void (++seen === 20 && resolve()) }));
    await consumer.disconnect();
    const text = await (await fetch(`http://127.0.0.1:${running.adminPort}/metrics`)).text();
    expect(text).toContain('topic="linted"');
    const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
  }, 60_000);
});


async function query(promPort: number, q: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
  const res = await fetch(`http://127.0.0.1:${promPort}/api/v1/query?query=${encodeURIComponent(q)}`);
  const body = (await res.json()) as { status: string; data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
  return body.status === 'success' ? body.data.result : [];
}

describe.runIf(hasPrometheus || required)('a real Prometheus', () => {
  it('scrapes the broker under load and serves the values back', async () => {
    const dir = tmp();
    const promPort = await freePort();
    const config = join(dir, 'prometheus.yml');
    writeFileSync(config, [
      'global:', '  scrape_interval: 1s', '  evaluation_interval: 1s',
      `rule_files: ["${alertsFile}"]`,
      'scrape_configs:', '  - job_name: strata', '    static_configs:', `      - targets: ["127.0.0.1:${running.adminPort}"]`, '',
    ].join('\n'));
    const prom: ChildProcess = spawn('prometheus', [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${promPort}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    let promLog = '';
    prom.stderr!.on('data', (d: Buffer) => (promLog += d.toString()));
    try {
      const kafka = new Kafka({ brokers: [running.address], logLevel: logLevel.NOTHING });
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic: 'scraped', numPartitions: 2 }] });
      const producer = kafka.producer();
      await producer.connect();
      for (let i = 0; i < 10; i++) await producer.send({ topic: 'scraped', messages: Array.from({ length: 100 }, (_, j) => ({ value: `m${i}-${j}` })) });
      const consumer = kafka.consumer({ groupId: 'scraper', maxWaitTimeInMs: 200, heartbeatInterval: 300 });
      await consumer.connect();
      await consumer.subscribe({ topic: 'scraped', fromBeginning: true });
      let seen = 0;
      await consumer.run({ eachMessage: async () => void seen++ });
      await eventually(() => seen >= 1000, 30_000, 'consumed');
      await consumer.disconnect(); // commits what it consumed
      await producer.send({ topic: 'scraped', messages: Array.from({ length: 50 }, (_, j) => ({ partition: 0, value: `late${j}` })) });
      await producer.disconnect();
      await admin.disconnect();

      const value = async (q: string): Promise<number | undefined> => {
        const r = await query(promPort, q);
        return r.length === 0 ? undefined : Number(r[0]!.value[1]);
      };
      await eventually(async () => (await value('sum(strata_produced_records_total{topic="scraped"})')) === 1050, 60_000, `Prometheus to see 1050 produced records\n${promLog.slice(-2000)}`);
      await eventually(async () => (await value('strata_consumer_group_total_lag{group="scraper"}')) === 50, 30_000, 'lag of 50 after the late messages');
      expect(await value('sum(strata_log_end_offset{topic="scraped"})')).toBe(1050);
      expect(await value('sum(strata_fetched_records_total{topic="scraped"})')).toBeGreaterThanOrEqual(1000);
      expect(await value('sum(strata_requests_total{api="Produce"})')).toBeGreaterThanOrEqual(11);
      expect(await value('strata_native_addon{mode="native"}')).toBe(1);
      const rules = (await (await fetch(`http://127.0.0.1:${promPort}/api/v1/rules`)).json()) as { data: { groups: Array<{ rules: Array<{ health: string; name: string }> }> } };
      const loaded = rules.data.groups.flatMap((g) => g.rules);
      expect(loaded.length).toBe((readFileSync(join(root, 'deploy', 'prometheus', 'alerts.yml'), 'utf8').match(/^\s+- alert:/gm) ?? []).length);
      await eventually(async () => {
        const r = (await (await fetch(`http://127.0.0.1:${promPort}/api/v1/rules`)).json()) as typeof rules;
        return r.data.groups.flatMap((g) => g.rules).every((x) => x.health === 'ok');
      }, 20_000, 'every alert rule evaluated without error');
    } finally {
      prom.kill('SIGTERM');
      await new Promise((r) => prom.once('exit', r));
    }
  });
});
