// The main thread's side of one log writer thread: its two rings, the requests in flight,
// the completion loop, and replacement of a writer that crashes or hangs (its in-flight
// requests fail with a retriable error, its partitions are recovered by the new thread
// before they serve again).
import { Worker } from 'node:worker_threads';
import { KafkaError, StrataError } from '../errors.js';
import type { Logger } from '../logger.js';
import { SpscRing, RingClosedError } from '../ring/spsc-ring.js';
import type { ErrorCodeName } from '../protocol/generated/error-codes.js';
import {
  HEADER_BYTES, Produced, ProducedFlag, ReqKind, ResKind, StatSlot, STATS_BUSY_BYTE_OFFSET, STATS_BYTES, type ControlCommand, type FailedPayload,
} from './messages.js';

export interface ProducedFields {
  duplicate: boolean;
  baseOffset: number;
  lastOffset: number;
  logAppendTime: number;
  logStartOffset: number;
  highWatermark: number;
  segmentBase: number;
  position: number;
  size: number;
  maxTimestamp: number;
  flushedOffset: number;
  lastStableOffset: number;
  abortedFirstOffset: number;
  abortedProducerId: number;
}

/** What a partition on a writer hears from it. */
export interface WriterClient {
  onProduced(f: ProducedFields): void;
  onState(state: unknown): void;
  /** The writer died: stop serving until reopened. */
  onWriterLost(): void;
  /** A new writer took over: open the log on it again (recovering it). */
  reopen(): Promise<void>;
}

interface Pending {
  resolve: (value: never) => void;
  reject: (err: unknown) => void;
}

interface Queued {
  kind: number;
  reqId: number;
  slot: number;
  payload: Uint8Array;
}

export interface WriterThreadOptions {
  id: number;
  ringBytes: number;
  hangTimeoutMs: number;
  logLevel: string;
  logger: Logger;
  /** Spin before parking: the writer's wait (a dedicated core) and the main thread's. */
  writerSpinMicros: number;
  mainSpinMicros: number;
  onFsync: (seconds: number) => void;
  onRestart: (reason: string) => void;
}

// Compiled code finds the worker next to it in dist/; test suites run these sources
// through vitest, and their writer threads run the compiled worker (npm test builds first).
const WORKER_URL = import.meta.url.endsWith('.ts')
  ? new URL('../../dist/workers/log-writer.js', import.meta.url)
  : new URL('../../workers/log-writer.js', import.meta.url);
const MAX_REQ_ID = 0x7fffffff;

export class LogWriterThread {
  readonly id: number;
  private worker!: Worker;
  requests!: SpscRing;
  completions!: SpscRing;
  private stats!: SharedArrayBuffer;
  private heartbeat!: Int32Array;
  private busy!: Float64Array;
  private requestView!: DataView;
  private readonly inflight = new Map<number, Pending>();
  private readonly overflow: Queued[] = [];
  private nextReqId = 1;
  private commitScheduled = false;
  private generation = 0;
  private stopping = false;
  private stopped: Promise<void> | undefined;
  private lastBeat = 0;
  private lastBeatAt = Date.now();
  private watchdog: NodeJS.Timeout;
  readonly clients = new Map<number, WriterClient>();
  restarts = 0;
  /** Busy milliseconds of writers that were replaced (the counter stays monotonic). */
  private busyBefore = 0;

  constructor(private readonly opts: WriterThreadOptions) {
    this.id = opts.id;
    this.spawn();
    this.watchdog = setInterval(() => this.checkHeartbeat(), Math.max(50, Math.floor(opts.hangTimeoutMs / 4)));
    this.watchdog.unref();
  }

  /** Requests sent and not answered, plus those waiting for ring space: the queue depth. */
  get queueDepth(): number {
    return this.inflight.size;
  }

  get busySeconds(): number {
    return (this.busyBefore + this.busy[0]!) / 1000;
  }

  private spawn(): void {
    const gen = ++this.generation;
    this.requests = new SpscRing(SpscRing.allocate(this.opts.ringBytes));
    this.completions = new SpscRing(SpscRing.allocate(this.opts.ringBytes));
    this.requestView = new DataView(this.requests.data.buffer, this.requests.data.byteOffset, this.requests.data.byteLength);
    this.stats = new SharedArrayBuffer(STATS_BYTES);
    this.heartbeat = new Int32Array(this.stats, 0, 1);
    this.busy = new Float64Array(this.stats, STATS_BUSY_BYTE_OFFSET, 1);
    this.lastBeat = 0;
    this.lastBeatAt = Date.now();
    this.worker = new Worker(WORKER_URL, {
      workerData: {
        id: this.id, requests: this.requests.sab, completions: this.completions.sab, stats: this.stats,
        logLevel: this.opts.logLevel, spinMicros: this.opts.writerSpinMicros,
      },
    });
    this.worker.on('message', (m: { fsync?: number[]; log?: string }) => {
      for (const s of m.fsync ?? []) this.opts.onFsync(s);
      if (m.log !== undefined) this.relayLog(m.log);
    });
    this.worker.on('error', (err) => this.opts.logger.error({ err, writer: this.id }, 'log writer thread failed'));
    this.worker.on('exit', (code) => this.onExit(gen, code));
    void this.pumpCompletions(gen);
  }

  /** A writer's log line, written through the broker's logger (same destination, same level). */
  private relayLog(line: string): void {
    try {
      const { level, msg, time: _t, pid: _p, hostname: _h, ...fields } = JSON.parse(line) as Record<string, unknown>;
      const lvl = Number(level);
      const log = this.opts.logger;
      const text = String(msg ?? '');
      if (lvl >= 50) log.error(fields, text);
      else if (lvl >= 40) log.warn(fields, text);
      else if (lvl >= 30) log.info(fields, text);
      else log.debug(fields, text);
    } catch {
      this.opts.logger.warn({ writer: this.id, line }, 'unparsable log line from a log writer');
    }
  }

  // ---- sending ----

  produce(slot: number, batch: Uint8Array): Promise<ProducedFields> {
    return this.send(ReqKind.PRODUCE, slot, batch);
  }

  control<T>(slot: number, command: ControlCommand): Promise<T> {
    return this.send(ReqKind.CONTROL, slot, Buffer.from(JSON.stringify(command)));
  }

  /**
   * The largest payload the rings take: a record may not wrap, so one larger than half the
   * ring could wait forever for contiguous room.
   */
  get maxPayloadBytes(): number {
    return this.opts.ringBytes / 2 - HEADER_BYTES - 16;
  }

  get logger(): Logger {
    return this.opts.logger;
  }

  private send<T>(kind: number, slot: number, payload: Uint8Array): Promise<T> {
    if (this.stopping) return Promise.reject(new StrataError('STRATA_LOG_CLOSED', `log writer ${this.id} is stopping`));
    if (payload.length > this.maxPayloadBytes) {
      return Promise.reject(new KafkaError('MESSAGE_TOO_LARGE', `a ${payload.length}-byte batch does not fit the log writer's ring (writerRingBytes=${this.opts.ringBytes} takes batches up to ${this.maxPayloadBytes} bytes)`));
    }
    return new Promise<T>((resolve, reject) => {
      const reqId = this.nextReqId;
      this.nextReqId = this.nextReqId === MAX_REQ_ID ? 1 : this.nextReqId + 1;
      this.inflight.set(reqId, { resolve: resolve as (v: never) => void, reject });
      // Order matters (idempotent sequences): nothing overtakes a request waiting for room.
      if (this.overflow.length === 0 && this.write(kind, reqId, slot, payload)) return;
      this.overflow.push({ kind, reqId, slot, payload });
      if (this.overflow.length === 1) void this.pumpOverflow(this.generation);
    });
  }

  /** Copies one request into the ring; the commit is shared by everything sent in this tick. */
  private write(kind: number, reqId: number, slot: number, payload: Uint8Array): boolean {
    let at: number;
    try {
      at = this.requests.reserve(HEADER_BYTES + payload.length);
    } catch (err) {
      if (err instanceof RingClosedError) return false;
      throw err;
    }
    if (at < 0) return false;
    this.requestView.setInt32(at, kind, true);
    this.requestView.setInt32(at + 4, reqId, true);
    this.requestView.setInt32(at + 8, slot, true);
    this.requests.data.set(payload, at + HEADER_BYTES);
    if (!this.commitScheduled) {
      this.commitScheduled = true;
      queueMicrotask(() => {
        this.commitScheduled = false;
        this.requests.commit();
      });
    }
    return true;
  }

  /** Ring full: the caller's promise waits (its connection stops reading) until the writer frees room. */
  private async pumpOverflow(gen: number): Promise<void> {
    while (this.overflow.length > 0 && gen === this.generation) {
      const q = this.overflow[0]!;
      if (this.write(q.kind, q.reqId, q.slot, q.payload)) {
        this.overflow.shift();
        continue;
      }
      this.requests.commit();
      try {
        await this.requests.waitWritable(100);
      } catch {
        return; // the ring closed: the exit handler fails what is queued
      }
    }
  }

  // ---- completions ----

  private async pumpCompletions(gen: number): Promise<void> {
    const ring = this.completions;
    while (gen === this.generation && !ring.closed) {
      const ready = await ring.waitReadableAsync(1000, this.opts.mainSpinMicros);
      if (gen !== this.generation) return;
      if (ready) ring.drain((rec) => this.onCompletion(rec));
    }
  }

  private onCompletion(rec: Uint8Array): void {
    const view = new DataView(rec.buffer, rec.byteOffset, rec.byteLength);
    const kind = view.getInt32(0, true);
    const reqId = view.getInt32(4, true);
    const slot = view.getInt32(8, true);
    if (kind === ResKind.PRODUCED) {
      const f: ProducedFields = {
        duplicate: (view.getInt32(Produced.FLAGS, true) & ProducedFlag.DUPLICATE) !== 0,
        baseOffset: view.getFloat64(Produced.BASE_OFFSET, true),
        lastOffset: view.getFloat64(Produced.LAST_OFFSET, true),
        logAppendTime: view.getFloat64(Produced.LOG_APPEND_TIME, true),
        logStartOffset: view.getFloat64(Produced.LOG_START_OFFSET, true),
        highWatermark: view.getFloat64(Produced.HIGH_WATERMARK, true),
        segmentBase: view.getFloat64(Produced.SEGMENT_BASE, true),
        position: view.getFloat64(Produced.POSITION, true),
        size: view.getFloat64(Produced.SIZE, true),
        maxTimestamp: view.getFloat64(Produced.MAX_TIMESTAMP, true),
        flushedOffset: view.getFloat64(Produced.FLUSHED_OFFSET, true),
        lastStableOffset: view.getFloat64(Produced.LAST_STABLE_OFFSET, true),
        abortedFirstOffset: view.getFloat64(Produced.ABORTED_FIRST_OFFSET, true),
        abortedProducerId: view.getFloat64(Produced.ABORTED_PRODUCER_ID, true),
      };
      // The view learns of the batch before anyone is answered, so a consumer told of the
      // new high watermark can read it.
      this.clients.get(slot)?.onProduced(f);
      this.settle(reqId, f);
      return;
    }
    const body: unknown = JSON.parse(Buffer.from(rec.buffer, rec.byteOffset + HEADER_BYTES, rec.byteLength - HEADER_BYTES).toString('utf8'));
    if (kind === ResKind.STATE) {
      this.clients.get(slot)?.onState(body);
    } else if (kind === ResKind.REPLY) {
      this.settle(reqId, body);
    } else if (kind === ResKind.FAILED) {
      const f = body as FailedPayload;
      const err = f.kafka ? new KafkaError(f.errorName as ErrorCodeName, f.message) : new KafkaError('KAFKA_STORAGE_ERROR', `${f.errorName}: ${f.message}`);
      this.settle(reqId, undefined, err);
    }
  }

  private settle(reqId: number, value: unknown, err?: unknown): void {
    const p = this.inflight.get(reqId);
    if (p === undefined) return;
    this.inflight.delete(reqId);
    if (err !== undefined) p.reject(err);
    else p.resolve(value as never);
  }

  // ---- failure ----

  private checkHeartbeat(): void {
    if (this.stopping) return;
    const beat = Atomics.load(this.heartbeat, StatSlot.HEARTBEAT);
    const now = Date.now();
    if (beat !== this.lastBeat) {
      this.lastBeat = beat;
      this.lastBeatAt = now;
      return;
    }
    if (now - this.lastBeatAt > this.opts.hangTimeoutMs) {
      this.opts.logger.error({ writer: this.id, silentMs: now - this.lastBeatAt }, 'log writer stopped responding; replacing it');
      this.lastBeatAt = now;
      void this.worker.terminate();
    }
  }

  private onExit(gen: number, code: number): void {
    if (gen !== this.generation) return;
    // What the writer published before it died stands (a durable append, a control reply):
    // answer it before failing the rest.
    this.completions.drain((rec) => this.onCompletion(rec));
    this.requests.close();
    this.completions.close();
    if (this.stopping) return;
    this.restarts++;
    this.busyBefore += this.busy[0]!;
    this.opts.logger.error({ writer: this.id, code }, 'log writer exited; failing its in-flight requests and recovering its partitions on a new thread');
    this.opts.onRestart(code === 1 ? 'crash-or-hang' : `exit-${code}`);
    const lost = [...this.inflight.values()];
    this.inflight.clear();
    this.overflow.length = 0;
    for (const c of this.clients.values()) c.onWriterLost();
    for (const p of lost) {
      p.reject(new KafkaError('KAFKA_STORAGE_ERROR', `log writer ${this.id} stopped before answering; retry (an idempotent producer's retry is deduplicated)`));
    }
    this.spawn();
    for (const c of this.clients.values()) {
      c.reopen().catch((err: unknown) => this.opts.logger.error({ err, writer: this.id }, 'could not reopen a partition on the new log writer'));
    }
  }

  /** Closes every log on the thread (clean markers written) and ends it. */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      clearInterval(this.watchdog);
      let timer: NodeJS.Timeout | undefined;
      try {
        // A hung writer must not hang the broker's shutdown: its logs recover at next start.
        await Promise.race([
          this.control(0, { cmd: 'shutdown' }),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer within ${this.opts.hangTimeoutMs} ms`)), this.opts.hangTimeoutMs);
          }),
        ]);
      } catch (err) {
        this.opts.logger.warn({ err, writer: this.id }, 'log writer did not shut down cleanly; its logs will be recovered at the next start');
      } finally {
        clearTimeout(timer);
      }
      this.stopping = true;
      this.generation++;
      this.requests.close();
      this.completions.close();
      await this.worker.terminate();
      for (const p of this.inflight.values()) p.reject(new StrataError('STRATA_LOG_CLOSED', `log writer ${this.id} stopped`));
      this.inflight.clear();
    })();
    return this.stopped;
  }
}
