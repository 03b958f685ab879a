// Every API answers an unexpected failure with its error response (Kafka's
// getErrorResponse), never a closed connection: each handler has one, and it encodes at
// every advertised version for a request decoded from the codec's defaults. A live broker
// whose handler throws answers the request with UNKNOWN_SERVER_ERROR and keeps serving.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ApiHandler } from '../../src/handlers/handler.js';
import { buildHandlerTable } from '../../src/handlers/index.js';
import { RawClient } from '../../src/client/raw-client.js';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../src/protocol/generated/error-codes.js';
import { defaultMetadataRequest, writeMetadataRequest } from '../../src/protocol/generated/metadata-request.js';
import { readMetadataResponse } from '../../src/protocol/generated/metadata-response.js';
import { defaultApiVersionsRequest, writeApiVersionsRequest } from '../../src/protocol/generated/api-versions-request.js';
import { readApiVersionsResponse } from '../../src/protocol/generated/api-versions-response.js';
import { Writer } from '../../src/protocol/primitives/writer.js';
import { Reader } from '../../src/protocol/primitives/reader.js';
import { API_SCHEMAS } from '../../src/protocol/generated/api-keys.js';
import { pathToFileURL } from 'node:url';
import { root, testBroker } from '../helpers/broker.js';

describe('error responses', () => {
  const table = buildHandlerTable();

  it.each(table.map((h) => [API_SCHEMAS.get(h.apiKey)?.name ?? String(h.apiKey), h] as const))('%s has an error response that encodes at every version', async (_name, h: ApiHandler) => {
    const file = join(root, 'src', 'protocol', 'generated', `${kebab(API_SCHEMAS.get(h.apiKey)!.name)}-request.ts`);
    const generated = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    const defaults = Object.entries(generated).find(([k]) => k.startsWith('default') && k.endsWith('Request'))![1] as () => unknown;
    const write = Object.entries(generated).find(([k]) => k.startsWith('write') && k.endsWith('Request'))![1] as (w: Writer, v: number, r: unknown) => void;
    for (let v = h.minVersion; v <= h.maxVersion; v++) {
      const w = new Writer(256);
      write(w, v, defaults());
      const req = h.read(new Reader(w.toBuffer()), v);
      const res = h.errorResponse!(req, v, ErrorCode.UNKNOWN_SERVER_ERROR);
      const out = new Writer(256);
      expect(() => h.write(out, v, res), `v${v}`).not.toThrow();
    }
  });

  it('a live broker answers a request whose handler throws with UNKNOWN_SERVER_ERROR and keeps the connection', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'strata-errres-'));
    const running = await testBroker(dataDir);
    const client = await RawClient.connect(running.host, running.port);
    try {
      const handlers = running.broker.handlers as Map<number, ApiHandler>;
      const real = handlers.get(ApiKey.Metadata)!;
      handlers.set(ApiKey.Metadata, { ...real, handle: () => { throw new Error('planted failure'); } });
      const v = 12;
      const req = { ...defaultMetadataRequest(), topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'x' }] };
      const res = readMetadataResponse(await client.request(ApiKey.Metadata, v, (w) => writeMetadataRequest(w, v, req)), v);
      expect(res.topics.map((t) => t.errorCode)).toEqual([ErrorCode.UNKNOWN_SERVER_ERROR]);
      handlers.set(ApiKey.Metadata, real);
      const av = readApiVersionsResponse(await client.request(ApiKey.ApiVersions, 3, (w) => writeApiVersionsRequest(w, 3, { ...defaultApiVersionsRequest(), clientSoftwareName: 't', clientSoftwareVersion: '1' })), 3);
      expect(av.errorCode).toBe(0);
      expect(client.closed).toBe(false);
    } finally {
      client.close();
      await running.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c, i: number) => (i === 0 ? c.toLowerCase() : `-${c.toLowerCase()}`));
}
