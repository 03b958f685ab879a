// The broker's wire output is pinned: a fixed script of requests (scripts/
// capture-response-fixtures.mjs) is replayed against the current build, inline or with
// log writer threads (STRATA_TEST_LOG_WRITERS), and every response must match the bytes
// captured from the release before the seams redesign. A change here is a wire change:
// recapture only on purpose.
import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { testBroker } from '../helpers/broker.js';
import { useTmpDirs } from '../helpers/tmp.js';
// @ts-expect-error the capture script is plain JavaScript
import { exchange, seedDataDir } from '../../scripts/capture-response-fixtures.mjs';

interface Fixture {
  broker: Record<string, unknown>;
  exchanges: Array<{ name: string; request: string; response: string }>;
}

const fixture = JSON.parse(fs.readFileSync(new URL('./fixtures/responses.json', import.meta.url), 'utf8')) as Fixture;

describe('golden responses', () => {
  const tmp = useTmpDirs();

  it('answers the fixture script byte for byte as before', async () => {
    const dataDir = tmp();
    (seedDataDir as (d: string, f: typeof fs) => void)(dataDir, fs);
    const broker = await testBroker(dataDir, fixture.broker);
    try {
      const frames = fixture.exchanges.map((e) => Buffer.from(e.request, 'hex'));
      const responses = (await (exchange as (port: number, f: Buffer[]) => Promise<Buffer[]>)(broker.port, frames)).map((r) => r.toString('hex'));
      for (const [i, e] of fixture.exchanges.entries()) expect({ name: e.name, response: responses[i] }).toEqual({ name: e.name, response: e.response });
    } finally {
      await broker.close();
    }
  });
});
