// A log writer thread: owns the partition logs the main thread assigned to it. Batches
// arrive through the request ring (copied once by the main thread); the writer checks
// them (CRC-32C, native), applies idempotence, assigns offsets, appends and shares
// fdatasyncs across batches (group commit), then answers through the completion ring.
// It waits on the ring with Atomics.waitAsync, not Atomics.wait: its fdatasyncs finish
// on this thread's event loop, which a blocking wait would stall.
import { randomBytes } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { logFileName } from '../src/storage/names.js';
import { KafkaError, StrataError } from '../src/errors.js';
import { pino } from 'pino';
import { PartitionWriter, type ProduceOutcome } from '../src/broker/partition-writer.js';
import { PartitionLog } from '../src/storage/partition-log.js';
import { SyncBatcher } from '../src/storage/sync-batcher.js';
import type { LogConfig } from '../src/config/log-config.js';
import { SpscRing } from '../src/ring/spsc-ring.js';
import {
  HEADER_BYTES, Produced, ProducedFlag, ReqKind, ResKind, StatSlot, STATS_BUSY_BYTE_OFFSET, type ControlCommand, type FailedPayload,
} from '../src/writer/messages.js';

interface WriterData {
  id: number;
  requests: SharedArrayBuffer;
  completions: SharedArrayBuffer;
  stats: SharedArrayBuffer;
  logLevel: string;
  spinMicros: number;
}

const data = workerData as WriterData;
// Log lines go to the main thread, which writes them through the broker's own logger.
const logger = pino({ level: data.logLevel, base: { writer: data.id } }, { write: (line: string) => parentPort!.postMessage({ log: line }) });
const requests = new SpscRing(data.requests);
const completions = new SpscRing(data.completions);
const heartbeat = new Int32Array(data.stats, 0, 1);
const busy = new Float64Array(data.stats, STATS_BUSY_BYTE_OFFSET, 1);
const partitions = new Map<number, PartitionWriter>();
/** Completions that did not fit the ring yet, in order. */
const backlog: Uint8Array[] = [];
const fsyncSeconds: number[] = [];
/** One submission of fdatasyncs for all of this writer's partitions per turn of its loop. */
const syncs = new SyncBatcher();

setInterval(() => Atomics.add(heartbeat, StatSlot.HEARTBEAT, 1), 100);
setInterval(() => {
  if (fsyncSeconds.length > 0) parentPort!.postMessage({ fsync: fsyncSeconds.splice(0) });
}, 1000).unref();

// ---- completions ----

function headerInto(view: DataView, kind: number, reqId: number, slot: number): void {
  view.setInt32(0, kind, true);
  view.setInt32(4, reqId, true);
  view.setInt32(8, slot, true);
}

let commitScheduled = false;

/**
 * Publishes completions once per microtask checkpoint: every append finished in this
 * turn (a drained run of requests, or one group commit's waiters) shares one index store
 * and at most one wake-up of the main thread.
 */
function scheduleCommit(): void {
  if (commitScheduled) return;
  commitScheduled = true;
  queueMicrotask(() => {
    commitScheduled = false;
    completions.commit();
  });
}

function send(record: Uint8Array): void {
  const at = backlog.length === 0 ? completions.reserve(record.length) : -1;
  if (at >= 0) {
    completions.data.set(record, at);
    scheduleCommit();
  } else {
    backlog.push(record);
    if (backlog.length === 1) void drainBacklog();
  }
}

async function drainBacklog(): Promise<void> {
  while (backlog.length > 0) {
    if (completions.tryPush(backlog[0]!)) backlog.shift();
    else {
      completions.commit();
      await completions.waitWritable(1000);
    }
  }
}

function sendJson(kind: number, reqId: number, slot: number, body: unknown): void {
  const json = Buffer.from(JSON.stringify(body));
  const rec = new Uint8Array(HEADER_BYTES + json.length);
  headerInto(new DataView(rec.buffer), kind, reqId, slot);
  rec.set(json, HEADER_BYTES);
  send(rec);
}

function stateOf(p: PartitionWriter): { highWatermark: number; logStartOffset: number; flushedOffset: number; lastStableOffset: number } {
  const log = p.log;
  return { highWatermark: log.highWatermark, logStartOffset: log.logStartOffset, flushedOffset: log.flushedOffset, lastStableOffset: p.lastStableOffset() };
}

/** The hot path: written straight into the completion ring when there is room. */
function sendProduced(reqId: number, slot: number, p: PartitionWriter, out: ProduceOutcome): void {
  const log = p.log;
  let rec: Uint8Array;
  let base: number;
  const at = backlog.length === 0 ? completions.reserve(Produced.BYTES) : -1;
  if (at >= 0) {
    rec = completions.data;
    base = at;
  } else {
    rec = new Uint8Array(Produced.BYTES);
    base = 0;
  }
  const view = new DataView(rec.buffer, rec.byteOffset + base, Produced.BYTES);
  headerInto(view, ResKind.PRODUCED, reqId, slot);
  view.setInt32(Produced.FLAGS, out.duplicate ? ProducedFlag.DUPLICATE : 0, true);
  view.setFloat64(Produced.BASE_OFFSET, out.baseOffset, true);
  view.setFloat64(Produced.LAST_OFFSET, out.lastOffset, true);
  view.setFloat64(Produced.LOG_APPEND_TIME, out.logAppendTime, true);
  view.setFloat64(Produced.LOG_START_OFFSET, log.logStartOffset, true);
  view.setFloat64(Produced.HIGH_WATERMARK, log.highWatermark, true);
  view.setFloat64(Produced.SEGMENT_BASE, out.placement?.segmentBase ?? -1, true);
  view.setFloat64(Produced.POSITION, out.placement?.position ?? -1, true);
  view.setFloat64(Produced.SIZE, out.placement?.size ?? -1, true);
  view.setFloat64(Produced.MAX_TIMESTAMP, out.placement?.maxTimestamp ?? -1, true);
  view.setFloat64(Produced.FLUSHED_OFFSET, log.flushedOffset, true);
  view.setFloat64(Produced.LAST_STABLE_OFFSET, p.lastStableOffset(), true);
  view.setFloat64(Produced.ABORTED_FIRST_OFFSET, out.abortedFirstOffset, true);
  view.setFloat64(Produced.ABORTED_PRODUCER_ID, out.abortedProducerId, true);
  if (at >= 0) scheduleCommit();
  else send(rec);
}

function failure(err: unknown): FailedPayload {
  if (err instanceof KafkaError) return { errorName: err.errorName, message: err.message.slice(err.errorName.length + 2), kafka: true };
  if (err instanceof StrataError) return { errorName: err.code, message: err.message, kafka: false };
  return { errorName: 'UNKNOWN', message: err instanceof Error ? err.message : String(err), kafka: false };
}

// ---- requests ----

function produce(reqId: number, slot: number, batch: Buffer): void {
  const p = partitions.get(slot);
  if (p === undefined) {
    sendJson(ResKind.FAILED, reqId, slot, { errorName: 'NOT_LEADER_OR_FOLLOWER', message: `partition slot ${slot} is not open on writer ${data.id}`, kafka: true });
    return;
  }
  // produce() patches and writes `batch` (a view into the request ring) before it
  // returns; the ring space is released only after this call.
  p.produce(batch).then(
    (out) => sendProduced(reqId, slot, p, out),
    (err: unknown) => sendJson(ResKind.FAILED, reqId, slot, failure(err)),
  );
}

async function control(reqId: number, slot: number, c: ControlCommand): Promise<unknown> {
  switch (c.cmd) {
    case 'open': {
      let writer: PartitionWriter | undefined;
      const log = PartitionLog.open(c.dir, c.config as Partial<LogConfig>, {
        logger,
        onFsync: (s) => fsyncSeconds.push(s),
        onSealed: () => {
          if (writer !== undefined) sendJson(ResKind.STATE, 0, slot, stateOf(writer));
        },
        syncer: syncs.sync,
      });
      writer = new PartitionWriter(log);
      partitions.set(slot, writer);
      return { sizes: log.segmentSizes(), state: stateOf(writer), recovery: log.recovery, indexIntervalBytes: log.config.indexIntervalBytes, aborted: writer.txns.allAborted() };
    }
    case 'shutdown': {
      for (const p of partitions.values()) await p.log.close();
      partitions.clear();
      return {};
    }
    case 'crash':
      if (c.tornBytes !== undefined && c.tornBytes > 0) {
        const p = partitions.get(slot);
        const last = p?.log.segmentSizes().at(-1);
        if (p !== undefined && last !== undefined) appendFileSync(join(p.log.dir, logFileName(last.baseOffset)), randomBytes(c.tornBytes));
      }
      setImmediate(() => {
        throw new Error(`log writer ${data.id} crashed on request (test hook)`);
      });
      return {};
    case 'hang':
      setImmediate(() => {
        for (;;) {
          // Spins forever without yielding: what the watchdog must catch.
        }
      });
      return {};
    default:
      break;
  }
  const p = partitions.get(slot);
  if (p === undefined) throw new KafkaError('NOT_LEADER_OR_FOLLOWER', `partition slot ${slot} is not open on writer ${data.id}`);
  switch (c.cmd) {
    case 'close':
      partitions.delete(slot);
      await p.log.close();
      return {};
    case 'delete':
      partitions.delete(slot);
      await p.log.delete();
      return {};
    case 'reconfigure':
      p.log.reconfigure(c.config as Partial<LogConfig>);
      return { state: stateOf(p) };
    case 'retention': {
      const removed = p.log.applyRetention(c.now);
      p.txns.trimBelow(p.log.logStartOffset);
      return { removed, state: stateOf(p) };
    }
    case 'deleteBelow':
      // The aborted-transaction index stays: the records may still be read from the tier.
      return { removed: p.log.deleteSegmentsBelow(c.offset), state: stateOf(p) };
    case 'producers':
      return p.producers.active((pid) => p.txns.openTransactionStart(pid));
    case 'installCleaned':
      return { installed: await p.log.installCleaned(c.plan) };
  }
}

function handle(record: Uint8Array): void {
  const view = new DataView(record.buffer, record.byteOffset, record.byteLength);
  const kind = view.getInt32(0, true);
  const reqId = view.getInt32(4, true);
  const slot = view.getInt32(8, true);
  const payload = Buffer.from(record.buffer, record.byteOffset + HEADER_BYTES, record.byteLength - HEADER_BYTES);
  if (kind === ReqKind.PRODUCE) {
    produce(reqId, slot, payload);
    return;
  }
  const command = JSON.parse(payload.toString('utf8')) as ControlCommand;
  control(reqId, slot, command).then(
    (reply) => sendJson(ResKind.REPLY, reqId, slot, reply),
    (err: unknown) => sendJson(ResKind.FAILED, reqId, slot, failure(err)),
  );
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

async function run(): Promise<void> {
  for (;;) {
    if (requests.closed) break;
    if (!(await requests.waitReadableAsync(1000, data.spinMicros))) continue;
    const started = performance.now();
    requests.drain(handle);
    busy[0] = busy[0]! + (performance.now() - started);
    // Let the completions of what was just appended (promise callbacks) go out before the
    // next wait spins: the spin is synchronous and would hold them back by its length.
    await yieldToEventLoop();
  }
  process.exit(0);
}

run().catch((err: unknown) => {
  logger.error({ err }, 'log writer loop failed');
  process.exit(1);
});
