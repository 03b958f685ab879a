// The fuzz targets: the frame decoder (every API's request codec), the record-batch
// validator (native walker, its TypeScript twin, and what a consumer would decode), and the
// request pipeline (a Connection of an in-process broker fed arbitrary bytes in arbitrary
// chunks). Each throws only on a finding: an error of a kind the code must never raise,
// or a broken invariant.
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker, type RunningBroker } from '../src/server/start.js';
import { KafkaError } from '../src/errors.js';
import { buildHandlerTable } from '../src/handlers/index.js';
import { silentLogger } from '../src/logger.js';
import { fallback, hot, native } from '../src/native/index.js';
import { Connection } from '../src/network/connection.js';
import { decodeRequest, peekHeader } from '../src/protocol/frame.js';
import { MalformedFrameError } from '../src/protocol/primitives/malformed.js';
import { BATCH_HEADER_SIZE, BatchField, BatchStatus, COMPRESSION_MASK, LOG_OVERHEAD, RecordsStatus } from '../src/protocol/records/batch-layout.js';
import { readRecords } from '../src/protocol/records/record-reader.js';
import { validateBatchRecords } from '../src/protocol/records/validate-records.js';
import type { FuzzTarget } from './engine.js';
import { encodeRequest } from '../src/protocol/frame.js';
import { ApiKey } from '../src/protocol/generated/api-keys.js';
import { defaultApiVersionsRequest, writeApiVersionsRequest } from '../src/protocol/generated/api-versions-request.js';
import { defaultMetadataRequest, writeMetadataRequest } from '../src/protocol/generated/metadata-request.js';
import { defaultSaslAuthenticateRequest, writeSaslAuthenticateRequest } from '../src/protocol/generated/sasl-authenticate-request.js';
import { defaultSaslHandshakeRequest, writeSaslHandshakeRequest } from '../src/protocol/generated/sasl-handshake-request.js';
import type { Writer } from '../src/protocol/primitives/writer.js';

/** A decoder may refuse bytes with these, nothing else. */
function isControlledRefusal(err: unknown): boolean {
  if (err instanceof MalformedFrameError || err instanceof KafkaError) return true;
  const code = (err as NodeJS.ErrnoException).code;
  return err instanceof RangeError && (code === 'ERR_OUT_OF_RANGE' || code === 'ERR_BUFFER_OUT_OF_BOUNDS');
}

/** Makes a frame's 4-byte length prefix true again, so mutants reach the decoders. */
function fixFrameLength(input: Buffer): Buffer {
  if (input.length < 4) return input;
  const out = Buffer.from(input);
  out.writeInt32BE(out.length - 4, 0);
  return out;
}

export function framesTarget(): FuzzTarget {
  const handlers = new Map(buildHandlerTable().map((h) => [h.apiKey, h]));
  return {
    name: 'frames',
    fixup: fixFrameLength,
    run(input) {
      if (input.length < 4) return;
      const frame = input.subarray(4);
      const peek = peekHeader(frame);
      if (peek === undefined) return;
      const h = handlers.get(peek.apiKey);
      if (h === undefined || peek.apiVersion < h.minVersion || peek.apiVersion > h.maxVersion) return;
      try {
        h.read(decodeRequest(frame).body, peek.apiVersion);
      } catch (err) {
        if (!isControlledRefusal(err)) throw err;
      }
    },
  };
}

/** Framing and CRC made right again: mutants get past the CRC to the records. */
function fixBatch(input: Buffer): Buffer {
  if (input.length < BATCH_HEADER_SIZE) return input;
  const out = Buffer.from(input);
  out.writeInt32BE(out.length - LOG_OVERHEAD, BatchField.BATCH_LENGTH);
  out[BatchField.MAGIC] = 2;
  out.writeUInt32BE(hot.crc32c(out.subarray(BatchField.ATTRIBUTES)), BatchField.CRC);
  return out;
}

export function batchesTarget(): FuzzTarget {
  return {
    name: 'batches',
    fixup: fixBatch,
    run(input) {
      const status = hot.checkBatch(input, 1 << 20);
      if (status !== BatchStatus.OK) return;
      const count = input.readInt32BE(BatchField.RECORD_COUNT);
      const codec = input.readInt16BE(BatchField.ATTRIBUTES) & COMPRESSION_MASK;
      if (codec === 0 && native !== undefined) {
        const section = input.subarray(BATCH_HEADER_SIZE);
        const a = native.validateRecords(section, count);
        const b = fallback.validateRecords(section, count);
        if (a !== b) throw new Error(`native and TypeScript walkers disagree: ${a} vs ${b}`);
      }
      let accepted = true;
      try {
        validateBatchRecords(input, 1 << 20);
      } catch (err) {
        if (!(err instanceof KafkaError)) throw err;
        accepted = false;
      }
      // What is accepted must decode for a consumer, record by record, exactly `count` of them.
      if (accepted && codec === 0) {
        let n = 0;
        for (const _ of readRecords(input)) n++;
        if (n !== count) throw new Error(`accepted batch decodes to ${n} records, header says ${count}`);
      }
      if (!accepted && codec === 0 && fallback.validateRecords(input.subarray(BATCH_HEADER_SIZE), count) === RecordsStatus.OK) {
        throw new Error('refused a batch whose records are well-formed');
      }
    },
  };
}

/** Just enough of a net.Socket for a Connection: collects what it writes. */
class StubSocket extends EventEmitter {
  readonly remoteAddress = '127.0.0.1';
  written: Buffer[] = [];
  writableLength = 0;
  destroyed = false;
  setNoDelay(): this {
    return this;
  }
  cork(): void {}
  uncork(): void {}
  pause(): this {
    return this;
  }
  resume(): this {
    return this;
  }
  write(chunk: Buffer): boolean {
    this.written.push(chunk);
    return true;
  }
  end(cb?: () => void): this {
    cb?.();
    return this;
  }
  destroy(): this {
    this.destroyed = true;
    return this;
  }
}

/** Response frames must be whole and length-prefixed. */
function checkResponses(chunks: Buffer[]): void {
  const all = Buffer.concat(chunks);
  for (let at = 0; at < all.length; ) {
    if (at + 8 > all.length) throw new Error('a response is cut short');
    const size = all.readInt32BE(at);
    if (size < 4 || at + 4 + size > all.length) throw new Error(`a response claims ${size} bytes`);
    at += 4 + size;
  }
}

/**
 * Seeds for the SASL stages: one connection's worth of frames each, as a client sends them
 * (ApiVersions, SaslHandshake, SaslAuthenticate with a PLAIN or SCRAM token, then Metadata).
 */
export function saslSeeds(): Buffer[] {
  const frame = (apiKey: number, version: number, correlationId: number, body: (w: Writer) => void): Buffer =>
    encodeRequest({ requestApiKey: apiKey, requestApiVersion: version, correlationId, clientId: 'fuzz' }, body);
  const exchange = (mechanism: string, tokens: string[]): Buffer => Buffer.concat([
    frame(ApiKey.ApiVersions, 3, 1, (w) => writeApiVersionsRequest(w, 3, { ...defaultApiVersionsRequest(), clientSoftwareName: 'fuzz', clientSoftwareVersion: '1' })),
    frame(ApiKey.SaslHandshake, 1, 2, (w) => writeSaslHandshakeRequest(w, 1, { ...defaultSaslHandshakeRequest(), mechanism })),
    ...tokens.map((t, i) => frame(ApiKey.SaslAuthenticate, 2, 3 + i, (w) => writeSaslAuthenticateRequest(w, 2, { ...defaultSaslAuthenticateRequest(), authBytes: Buffer.from(t) }))),
    frame(ApiKey.Metadata, 12, 9, (w) => writeMetadataRequest(w, 12, { ...defaultMetadataRequest(), topics: null })),
  ]);
  return [
    exchange('PLAIN', ['\u0000fuzz\u0000fuzz-password']),
    exchange('PLAIN', ['\u0000fuzz\u0000wrong']),
    exchange('SCRAM-SHA-256', ['n,,n=fuzz,r=abcdefghijklmnop', 'c=biws,r=abcdefghijklmnop,p=AAAA']),
    exchange('SCRAM-SHA-512', ['n,,n=fuzz,r=0123456789']),
    exchange('GSSAPI', []),
  ];
}

/**
 * The whole request pipeline on one connection. `listener` SASL_PLAINTEXT fuzzes the
 * authentication stages (sessions start unauthenticated; user "fuzz" exists).
 */
export async function pipelineTarget(listener = 'PLAINTEXT'): Promise<FuzzTarget> {
  const dataDir = mkdtempSync(join(tmpdir(), 'strata-fuzz-pipeline-'));
  // Small limits: a fuzzed CreateTopics must not spend seconds opening partitions.
  const running: RunningBroker = await startBroker({
    host: '127.0.0.1', port: 0, adminPort: 0, dataDir, logger: silentLogger, socketRequestMaxBytes: 1 << 20,
    maxPartitions: 64, maxPartitionsPerRequest: 16, groupInitialRebalanceDelayMs: 0, auditLogFile: '-',
    bootstrapUser: 'fuzz:fuzz-password', saslFailedLoginBurst: 1_000_000, saslFailedLoginsPerSecond: 1_000_000,
    // ACLs on (allowing what no ACL names, so requests still reach their handlers): fuzzed
    // requests go through the authorizer, and fuzzed Create/DeleteAcls and quota changes are applied.
    authorizer: 'acl', allowEveryoneIfNoAclFound: true,
  });
  const stats = { requests: 0, malformed: 0 };
  const escaped: unknown[] = [];
  const onUnhandled = (err: unknown): void => void escaped.push(err);
  process.on('unhandledRejection', onUnhandled);
  process.on('uncaughtException', onUnhandled);
  const deps = running.broker.connectionDeps(listener);
  return {
    name: listener === 'PLAINTEXT' ? 'pipeline' : 'sasl',
    fixup: fixFrameLength,
    async run(input) {
      const socket = new StubSocket();
      const conn = new Connection(socket as never, deps, stats, () => undefined);
      // The first byte chooses how the bytes arrive: whole, or in chunks of 1..255 bytes.
      const chunk = input.length > 0 && input[0]! > 0 ? input[0]! : input.length + 1;
      for (let at = 0; at < input.length && !socket.destroyed; at += chunk) socket.emit('data', input.subarray(at, at + chunk));
      // Let quick handlers answer, then the client goes away (long polls end with it).
      await new Promise((r) => setImmediate(r));
      conn.close();
      await new Promise((r) => setImmediate(r));
      checkResponses(socket.written);
      if (escaped.length > 0) throw escaped.shift();
    },
    async close() {
      process.off('unhandledRejection', onUnhandled);
      process.off('uncaughtException', onUnhandled);
      await running.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
