// The web console in a real browser: Chromium (Debian's in CI; STRATA_CHROMIUM or the first
// found on PATH locally) driven by playwright-core against a broker under produce load.
// Every page renders with real data (screenshots under test-results/console-screenshots, kept
// by CI); create a topic in the browser → produce with kcat → see the records in the message
// browser → a group's lag → reset its offsets (dry run, then applied) → the lag changes;
// schemas registered, diffed and tested; axe-core finds no serious or critical violations on
// any page; the keyboard alone reaches and works everything used here.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { SchemaRegistry as RegistryClient } from '@kafkajs/confluent-schema-registry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { root, testBroker } from '../helpers/broker.js';
import { runKcat } from '../helpers/kcat.js';
import { hasTool, runWith } from '../helpers/tools.js';
import type { RunningBroker } from '../../src/server/start.js';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
const require = createRequire(import.meta.url);

function findChromium(): string | undefined {
  if (process.env.STRATA_CHROMIUM) return process.env.STRATA_CHROMIUM;
  for (const name of ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable']) {
    const r = spawnSync('which', [name], { encoding: 'utf8' });
    if (r.status === 0 && r.stdout.trim() !== '') return r.stdout.trim();
  }
  return undefined;
}

const executable = findChromium();
const consoleBuilt = existsSync(join(root, 'dist', 'console', 'index.html'));
const shots = join(root, 'test-results', 'console-screenshots');
const SERIOUS = new Set(['serious', 'critical']);
const text = (l: Locator) => l.textContent().then((t) => t ?? '');
// Runs in the page: `globalThis.document` there (this file is compiled without the DOM library).
const activeText = (p: Page) => p.evaluate(() => (globalThis as unknown as { document: { activeElement: { textContent: string | null } | null } }).document.activeElement?.textContent ?? '');
const focused = (l: Locator) => l.evaluate((el) => el === (globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement);
const POLL = { timeout: 10_000 };


describe.runIf(runWith(executable !== undefined && hasTool('kcat', ['-V'])))('web console in Chromium', () => {
  let dir: string;
  let broker: RunningBroker;
  let browser: Browser;
  let page: Page;
  let base: string;
  let load: Producer;
  let loading = true;
  let loadDone: Promise<void>;
  const firstPaints: number[] = [];
  const kafka = () => new Kafka({ brokers: [broker.address], logLevel: logLevel.NOTHING });

  beforeAll(async () => {
    expect(consoleBuilt, 'dist/console is missing: npm run build:console').toBe(true);
    mkdirSync(shots, { recursive: true });
    dir = mkdtempSync(join(tmpdir(), 'strata-console-'));
    broker = await testBroker(dir);
    base = `http://${broker.adminAddress}`;
    // Load: a producer writing to its own topic for as long as the suite runs.
    load = kafka().producer();
    await load.connect();
    loadDone = (async () => {
      let i = 0;
      while (loading) {
        await load.send({ topic: 'load', messages: Array.from({ length: 50 }, () => ({ value: `load-${i++}`.padEnd(200, '.') })) }).catch(() => undefined);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    browser = await chromium.launch({ executablePath: executable!, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (e) => { throw e; });
  }, 60_000);

  afterAll(async () => {
    loading = false;
    await loadDone;
    await load?.disconnect();
    await browser?.close();
    await broker?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function open(hash: string, ready: string): Promise<void> {
    await page.goto(`${base}/${hash}`);
    await page.getByRole('heading', { level: 1, name: ready }).waitFor();
    const paint = await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1);
    if (paint >= 0) firstPaints.push(paint);
  }

  async function noSeriousViolations(name: string): Promise<void> {
    await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
    const violations = await page.evaluate(async () => (await (globalThis as unknown as { axe: { run(): Promise<{ violations: Array<{ id: string; impact: string; nodes: unknown[] }> }> } }).axe.run()).violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length })));
    expect(violations.filter((v) => SERIOUS.has(v.impact)), `${name}: ${JSON.stringify(violations)}`).toEqual([]);
  }

  const shot = (name: string) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });

  it('overview: broker, listeners, disk, tier, alerts and charts from live metrics', async () => {
    await open('#/overview', 'Overview');
    await page.getByText('PLAINTEXT').waitFor();
    await page.getByText(/No alerts firing|critical|warning/).first().waitFor();
    // The history fills every 5 s: wait for three samples with the load in them.
    await expect.poll(async () => (await page.evaluate(() => fetch('/api/v1/metrics/history').then((r) => r.json()) as Promise<Array<{ bytesInPerSec: number }>>)).filter((p) => p.bytesInPerSec > 0).length, { timeout: 30_000, interval: 1000 }).toBeGreaterThanOrEqual(3);
    await page.reload();
    await page.getByRole('img', { name: /Throughput: in \(produce\) [0-9.]+ MB\/s/ }).waitFor({ timeout: 10_000 });
    expect(await page.locator('figure.chart').count()).toBe(3);
    await shot('overview');
    await noSeriousViolations('overview');
  }, 60_000);

  it('create a topic, produce with kcat, and read the records in the message browser', async () => {
    await open('#/topics', 'Topics');
    await page.getByLabel('Name').fill('bad name!');
    await page.getByText('Up to 249 letters').waitFor();
    expect(await page.getByRole('button', { name: 'Create topic' }).isDisabled()).toBe(true);
    await page.getByLabel('Name').fill('console-demo');
    await page.getByLabel('Partitions').fill('2');
    await page.getByRole('button', { name: 'Create topic' }).click();
    await page.getByRole('heading', { level: 1, name: 'Topic console-demo' }).waitFor();
    await noSeriousViolations('topic');
    await open('#/topics', 'Topics');
    await page.getByRole('link', { name: 'console-demo', exact: true }).waitFor();
    await shot('topics');
    await noSeriousViolations('topics');
    await page.getByRole('link', { name: 'console-demo', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Topic console-demo' }).waitFor();
    await runKcat(['-P', '-b', broker.address, '-t', 'console-demo', '-p', '0', '-K', ':', '-H', 'origin=kcat'], ['a:{"n":1}', 'b:{"n":2}', 'c:plain text', 'd:{"n":4}', 'e:{"n":5}'].join('\n') + '\n');
    await page.getByRole('link', { name: 'Messages' }).click();
    await page.getByRole('combobox', { name: /^Partition\b/ }).selectOption('0');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.getByText('5 record(s)').waitFor();
    const rows = page.locator('table.messages tbody tr');
    await expect.poll(() => rows.count(), POLL).toBe(5);
    expect(await text(rows.nth(0))).toContain('"n": 1');
    expect(await text(rows.nth(2))).toContain('plain text');
    expect(await text(rows.nth(0))).toContain('origin');
    await shot('messages');
    await noSeriousViolations('messages');
    await page.getByRole('link', { name: 'Partitions' }).click();
    await expect.poll(() => text(page.locator('tbody tr').first()), POLL).toContain('all local');
    await shot('topic-partitions');
  }, 60_000);

  it('a group\'s lag, reset with a dry run first, changes in the browser', async () => {
    // A group that read everything and committed: lag 0; then 3 more records: lag 3.
    const consumer = kafka().consumer({ groupId: 'console-group' });
    await consumer.connect();
    await consumer.subscribe({ topics: ['console-demo'], fromBeginning: true });
    let seen = 0;
    await new Promise<void>((resolve) => {
      void consumer.run({ eachMessage: async () => { if (++seen === 5) resolve(); } });
    });
    await consumer.commitOffsets([{ topic: 'console-demo', partition: 0, offset: '5' }]);
    await consumer.disconnect();
    await runKcat(['-P', '-b', broker.address, '-t', 'console-demo', '-p', '0'], 'x\ny\nz\n');
    await open('#/groups', 'Consumer groups');
    await page.getByRole('link', { name: 'console-group' }).waitFor();
    await shot('groups');
    await noSeriousViolations('groups');
    await page.getByRole('link', { name: 'console-group' }).click();
    await page.getByRole('heading', { level: 1, name: 'Group console-group' }).waitFor();
    await expect.poll(() => text(page.getByTestId('total-lag')), POLL).toBe('3');
    await page.getByRole('combobox', { name: /^To\b/ }).selectOption('earliest');
    await page.getByRole('button', { name: 'Preview (dry run)' }).click();
    const plan = page.getByRole('table', { name: 'Planned offsets' });
    await expect.poll(() => text(plan.locator('tbody tr').first()), POLL).toContain('5');
    // Nothing changed yet.
    expect(await text(page.getByTestId('total-lag'))).toBe('3');
    await shot('group-reset-preview');
    await noSeriousViolations('group');
    await page.getByRole('button', { name: 'Apply reset' }).click();
    await expect.poll(() => text(page.getByTestId('total-lag')), POLL).toBe('8');
    await page.getByRole('img', { name: /Lag per partition: console-demo-0 8 records/ }).waitFor({ timeout: 10_000 });
    await shot('group');
  }, 60_000);

  it('schemas: register, evolve, diff side by side, and test compatibility', async () => {
    await open('#/schemas', 'Schemas');
    const v1 = JSON.stringify({ type: 'record', name: 'Order', fields: [{ name: 'id', type: 'string' }] });
    const v2 = JSON.stringify({ type: 'record', name: 'Order', fields: [{ name: 'id', type: 'string' }, { name: 'note', type: 'string', default: '' }] });
    await page.getByLabel('Subject', { exact: true }).fill('console-demo-value');
    await page.getByLabel('Schema', { exact: true }).fill(v1);
    await page.getByRole('button', { name: 'Register' }).click();
    await page.getByRole('heading', { level: 1, name: 'Subject console-demo-value' }).waitFor();
    await page.getByRole('form', { name: 'Register a new version' }).getByLabel('Schema', { exact: true }).fill(v2);
    await page.getByRole('form', { name: 'Register a new version' }).getByRole('button', { name: 'Register' }).click();
    await expect.poll(() => page.locator('table.diff tr.added').allTextContents().then((t) => t.join('\n')), POLL).toContain('"name": "note"');
    await page.getByLabel('Candidate schema').fill(JSON.stringify({ type: 'record', name: 'Order', fields: [{ name: 'id', type: 'long' }] }));
    await page.getByRole('button', { name: 'Test' }).click();
    await page.getByText('Not compatible').waitFor();
    await shot('schema-subject');
    await noSeriousViolations('subject');
    // A record serialized with the registry's schema shows decoded in the message browser.
    const registry = new RegistryClient({ host: broker.schemaRegistryUrl! });
    const id = await registry.getLatestSchemaId('console-demo-value');
    const producer = kafka().producer();
    await producer.connect();
    await producer.send({ topic: 'console-demo', messages: [{ partition: 1, key: 'avro', value: await registry.encode(id, { id: 'order-1', note: 'decoded' }) }] });
    await producer.disconnect();
    await open('#/topics/console-demo/messages', 'Topic console-demo');
    await page.getByRole('combobox', { name: /^Partition\b/ }).selectOption('1');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.getByText('1 record(s)').waitFor();
    const value = await text(page.locator('table.messages tbody tr').first());
    expect(value).toContain(`avro #${id}`);
    expect(value).toContain('"note": "decoded"');
    await open('#/schemas', 'Schemas');
    await expect.poll(() => text(page.locator('tbody tr').first()), POLL).toContain('console-demo-value');
    await shot('schemas');
    await noSeriousViolations('schemas');
  }, 60_000);

  it('the keyboard alone: skip link, navigation, tabs, and a dialog Escape closes', async () => {
    await page.goto('about:blank'); // a fresh load: focus starts at the top of the page
    await open('#/overview', 'Overview');
    await page.keyboard.press('Tab');
    expect(await activeText(page)).toBe('Skip to content');
    await page.keyboard.press('Tab');
    expect(await activeText(page)).toBe('Overview');
    await page.keyboard.press('Tab');
    expect(await activeText(page)).toBe('Topics');
    await page.keyboard.press('Enter');
    await expect.poll(() => focused(page.getByRole('heading', { level: 1, name: 'Topics' })), POLL).toBe(true);
    // To the topic, then its delete dialog, by keyboard.
    await page.getByRole('link', { name: 'console-demo', exact: true }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => focused(page.getByRole('heading', { level: 1, name: 'Topic console-demo' })), POLL).toBe(true);
    await page.getByRole('button', { name: 'Delete topic…' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('dialog').isVisible(), POLL).toBe(true);
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByRole('dialog').isVisible(), POLL).toBe(false);
    const topic = await (await fetch(`${base}/api/v1/topics/console-demo`)).json() as { name: string };
    expect(topic.name).toBe('console-demo');
  }, 60_000);

  it('reports the bundle size and first paint', () => {
    const assets = join(root, 'dist', 'console', 'assets');
    const size = readdirSync(assets).reduce((n, f) => n + statSync(join(assets, f)).size, 0);
    expect(firstPaints.length).toBeGreaterThan(0);
    const median = [...firstPaints].sort((a, b) => a - b)[Math.floor(firstPaints.length / 2)]!;
    writeFileSync(join(shots, 'figures.json'), JSON.stringify({ bundleBytes: size, firstContentfulPaintMs: { median, all: firstPaints } }, null, 2) + '\n');
    expect(size).toBeLessThan(400 * 1024);
  });
});
