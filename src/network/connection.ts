// One client connection: frames in, each request through the pipeline (session,
// authenticate, authorise, quota: see pipeline.ts) to its handler, requests dispatched
// concurrently, responses out in request order (Kafka clients rely on it). A connection
// whose responses pile up, or whose socket cannot keep up, stops being read until it
// drains: memory per connection stays bounded by the in-flight limit and the frame size
// limit. It sees the broker only through ConnectionDeps.
import type { Socket } from 'node:net';
import { KafkaError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ApiHandler, RequestContext } from '../handlers/handler.js';
import type { HandlerServices } from '../services/handler-services.js';
import { anonymousSession, type Session } from '../services/session.js';
import { supportedApis } from '../handlers/api-versions.js';
import { ApiKey } from '../protocol/generated/api-keys.js';
import { ErrorCode } from '../protocol/generated/error-codes.js';
import { writeApiVersionsResponse, defaultApiVersionsResponse } from '../protocol/generated/api-versions-response.js';
import { decodeRequest, encodeResponse, peekHeader } from '../protocol/frame.js';
import { errorCodeOf } from '../handlers/error-code.js';
import type { RequestHeader } from '../protocol/generated/request-header.js';
import { FrameSplitter } from './frame-splitter.js';
import type { RequestPipeline, StageVerdict } from './pipeline.js';
import type { QuotaEnforcer } from '../services/quotas.js';
import { RateLimitedLog } from './rate-limited-log.js';

export type CloseReason = 'malformed' | 'oversized' | 'handler_failed' | 'tls_handshake' | 'auth_failed' | 'auth_timeout';

/** What a connection reports (the Prometheus broker probe implements it). */
export interface ConnectionMetrics {
  connectionOpened(): void;
  connectionClosed(): void;
  malformedRequest(): void;
  connectionRefused(reason: CloseReason): void;
  request(apiKey: number, version: number, seconds: number): void;
}

/** Everything a connection needs, as interfaces: the server builds one per listener. */
export interface ConnectionDeps {
  /** The listener's name (PLAINTEXT until TLS and SASL listeners exist). */
  listener: string;
  handlers: ReadonlyMap<number, ApiHandler>;
  services: HandlerServices;
  pipeline: RequestPipeline;
  maxRequestBytes: number;
  metrics: ConnectionMetrics;
  logger: Logger;
  /** An unauthenticated (SASL) connection is closed after this long. */
  authTimeoutMs?: number;
  /** Client quotas: what each answered request cost, and how long to mute for it. */
  quotas?: QuotaEnforcer;
}

/** Closes for misbehaviour are logged at info, at most a few per second broker-wide. */
const closeLog = new RateLimitedLog('closing a client connection after a bad request', 5, 1000);

/** Requests decoded but not yet answered before reading pauses. */
const MAX_IN_FLIGHT = 256;
/** Unsent response bytes before reading pauses. */
const MAX_QUEUED_BYTES = 32 * 1024 * 1024;
/** How long the answers owed before a malformed frame may take to be written. */
const FAIL_FLUSH_TIMEOUT_MS = 5_000;

interface Slot {
  ready: boolean;
  chunks: Buffer[] | undefined;
}

/** One decoded request on its way through the pipeline and its handler. */
interface Call {
  handler: ApiHandler;
  slot: Slot;
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  header: RequestHeader;
  request: unknown;
  started: number;
  /** The request's frame size (produce_byte_rate counts it). */
  bytes: number;
  /** Time this thread spent in the handler's synchronous part (request_percentage counts it). */
  threadMs: number;
}

export interface ConnectionStats {
  requests: number;
  malformed: number;
}

export class Connection {
  private readonly splitter: FrameSplitter;
  private readonly queue: Slot[] = [];
  private readonly abort = new AbortController();
  private closed = false;
  private paused = false;
  /** A malformed frame arrived: nothing more is read; the connection closes once the answers to the requests before it are written. */
  private failing = false;
  private failTimer: NodeJS.Timeout | undefined;
  private authTimer: NodeJS.Timeout | undefined;
  /** Muted for a quota: nothing is read until the throttle time has passed. */
  private muted = false;
  /** Why a stage asked for the connection to close (logged). */
  private closeWhy: string | undefined;
  private muteTimer: NodeJS.Timeout | undefined;
  readonly session: Session;
  private readonly metrics: ConnectionMetrics;

  /** `principal`: who the transport says this is (a TLS client certificate); else User:ANONYMOUS. */
  constructor(private readonly socket: Socket, private readonly deps: ConnectionDeps, private readonly stats: ConnectionStats, private readonly onClose: () => void, principal?: string) {
    this.splitter = new FrameSplitter(deps.maxRequestBytes);
    this.session = anonymousSession(deps.listener, socket.remoteAddress ?? 'unknown');
    if (principal !== undefined) this.session.principal = principal;
    if (!this.session.authenticated) {
      this.authTimer = setTimeout(() => {
        if (!this.session.authenticated) this.fail(new Error('did not authenticate in time'), 'auth_timeout');
      }, deps.authTimeoutMs ?? 10_000).unref();
    }
    this.metrics = deps.metrics;
    this.metrics.connectionOpened();
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('drain', () => this.maybeResume());
    socket.on('error', () => this.close());
    socket.on('close', () => this.close());
  }

  private onData(data: Buffer): void {
    const frames = this.splitter.push(data);
    for (const frame of frames) {
      if (this.closed || this.failing) return;
      this.dispatch(frame);
    }
    if (this.splitter.failure !== undefined) this.fail(this.splitter.failure, 'oversized');
    this.maybePause();
  }

  private dispatch(frame: Buffer): void {
    this.stats.requests++;
    const peek = peekHeader(frame);
    if (peek === undefined) {
      this.fail(new KafkaError('INVALID_REQUEST', 'frame shorter than a request header'), 'malformed');
      return;
    }
    const handler = this.deps.handlers.get(peek.apiKey);
    const slot: Slot = { ready: false, chunks: undefined };
    this.queue.push(slot);
    if (handler === undefined || peek.apiVersion < handler.minVersion || peek.apiVersion > handler.maxVersion) {
      this.finish(slot, this.unsupported(peek.apiKey, peek.apiVersion, peek.correlationId));
      return;
    }
    let request: unknown;
    let header: RequestHeader;
    try {
      const decoded = decodeRequest(frame);
      header = decoded.header;
      request = handler.read(decoded.body, peek.apiVersion);
    } catch (err) {
      this.queue.pop(); // this request gets no answer: Kafka closes on an undecodable one
      this.fail(err, 'malformed');
      return;
    }
    const call: Call = { handler, slot, apiKey: peek.apiKey, apiVersion: peek.apiVersion, correlationId: header.correlationId, header, request, started: performance.now(), bytes: frame.length + 4, threadMs: 0 };
    let verdict: StageVerdict | Promise<StageVerdict>;
    try {
      verdict = this.deps.pipeline.admit({ apiKey: call.apiKey, apiVersion: call.apiVersion, header, body: request, session: this.session });
    } catch (err) {
      this.failed(call, err);
      return;
    }
    if (verdict instanceof Promise) verdict.then((v) => this.invoke(call, v), (err: unknown) => this.failed(call, err));
    else this.invoke(call, verdict);
  }

  /** The handler's turn, once the stages have let the request through (or its refusal, answered with the handler's error response). */
  private invoke(call: Call, verdict: StageVerdict): void {
    if (verdict !== undefined) {
      if (verdict.close === true) {
        this.session.closeAfterResponse = true;
        this.closeWhy = verdict.reason;
      }
      this.answer(call, call.handler.errorResponse(call.request, call.apiVersion, verdict.errorCode));
      return;
    }
    const ctx: RequestContext = { services: this.deps.services, session: this.session, version: call.apiVersion, header: call.header, signal: this.abort.signal };
    let pending: ReturnType<ApiHandler['handle']>;
    const began = performance.now();
    try {
      pending = call.handler.handle(call.request, ctx);
    } catch (err) {
      this.failed(call, err);
      return;
    }
    call.threadMs = performance.now() - began;
    // Synchronous answers (most produce and fetch calls) skip a microtask hop.
    if (pending instanceof Promise) pending.then((res) => this.answer(call, res), (err: unknown) => this.failed(call, err));
    else this.answer(call, pending);
  }

  private answer(call: Call, response: unknown): void {
    let chunks: Buffer[] | undefined;
    const encode = (): Buffer[] | undefined => (response === undefined ? undefined : encodeResponse(call.apiKey, call.apiVersion, call.correlationId, (w) => call.handler.write(w, call.apiVersion, response)));
    let throttleMs = 0;
    try {
      const began = performance.now();
      chunks = encode();
      if (this.deps.quotas !== undefined) {
        const responseBytes = chunks === undefined ? 0 : chunks.reduce((n, c) => n + c.length, 0);
        throttleMs = this.deps.quotas.record(this.session, { apiKey: call.apiKey, requestBytes: call.bytes, responseBytes, threadMs: call.threadMs + performance.now() - began });
        // Over quota: the answer says how long to wait (when its version has the field), as Kafka's does.
        const r = response as { throttleTimeMs?: number } | undefined;
        if (throttleMs > 0 && r !== undefined && typeof r.throttleTimeMs === 'number') {
          r.throttleTimeMs = Math.max(r.throttleTimeMs, throttleMs);
          chunks = encode();
        }
      }
    } catch (err) {
      this.failed(call, err);
      return;
    }
    if (throttleMs > 0) this.muteFor(throttleMs);
    this.metrics.request(call.apiKey, call.apiVersion, (performance.now() - call.started) / 1000);
    this.finish(call.slot, chunks);
    if (this.session.authenticated) clearTimeout(this.authTimer);
    // A failed authentication: this answer is the last (it is flushed before the close).
    if (this.session.closeAfterResponse) this.fail(new Error(this.closeWhy ?? 'authentication failed'), 'auth_failed');
  }

  private failed(call: Call, err: unknown): void {
    if (call.slot.ready) return;
    this.deps.logger.error({ err, apiKey: call.apiKey, client: this.session.clientHost }, 'request handler failed');
    try {
      const chunks = encodeResponse(call.apiKey, call.apiVersion, call.correlationId, (w) => call.handler.write(w, call.apiVersion, call.handler.errorResponse(call.request, call.apiVersion, errorCodeOf(err))));
      this.metrics.request(call.apiKey, call.apiVersion, (performance.now() - call.started) / 1000);
      this.finish(call.slot, chunks);
    } catch (inner) {
      // Not even an error answer encodes: the client must not wait for ever.
      this.finish(call.slot, undefined);
      this.fail(inner, 'handler_failed');
    }
  }

  /**
   * An API or version this broker does not implement. ApiVersions answers in v0 with
   * UNSUPPORTED_VERSION and the supported list (so clients can pick a version); any
   * other request gets a response header and the UNSUPPORTED_VERSION code.
   */
  private unsupported(apiKey: number, apiVersion: number, correlationId: number): Buffer[] {
    if (apiKey === ApiKey.ApiVersions) {
      const res = defaultApiVersionsResponse();
      res.errorCode = ErrorCode.UNSUPPORTED_VERSION;
      res.apiKeys = supportedApis([...this.deps.handlers.values()]);
      return encodeResponse(apiKey, 0, correlationId, (w) => writeApiVersionsResponse(w, 0, res));
    }
    // The header follows the request's flexibility as the schemas define it (v0 for keys
    // no schema knows), so a client can read the error.
    return encodeResponse(apiKey, apiVersion, correlationId, (w) => w.int16(ErrorCode.UNSUPPORTED_VERSION));
  }

  private finish(slot: Slot, chunks: Buffer[] | undefined): void {
    slot.ready = true;
    slot.chunks = chunks;
    while (this.queue.length > 0 && this.queue[0]!.ready) {
      const head = this.queue.shift()!;
      if (head.chunks !== undefined && !this.closed) {
        this.socket.cork();
        for (const c of head.chunks) this.socket.write(c);
        this.socket.uncork();
      }
    }
    if (this.failing && this.queue.length === 0) this.endAfterFlush();
    this.maybeResume();
  }

  private maybePause(): void {
    if (this.paused || this.closed) return;
    if (this.queue.length >= MAX_IN_FLIGHT || this.socket.writableLength >= MAX_QUEUED_BYTES) {
      this.paused = true;
      this.socket.pause();
    }
  }

  private maybeResume(): void {
    if (!this.paused || this.closed) return;
    if (this.queue.length < MAX_IN_FLIGHT / 2 && this.socket.writableLength < MAX_QUEUED_BYTES / 2) {
      this.paused = false;
      if (!this.muted && !this.failing) this.socket.resume();
    }
  }

  /** KIP-219: a client over its quota is answered at once, then not read from for the throttle time. */
  private muteFor(ms: number): void {
    if (this.closed || this.failing) return;
    this.muted = true;
    this.socket.pause();
    clearTimeout(this.muteTimer);
    this.muteTimer = setTimeout(() => {
      this.muted = false;
      if (!this.paused && !this.failing && !this.closed) this.socket.resume();
    }, ms);
    this.muteTimer.unref();
  }

  /**
   * A malformed or oversized frame: only this client's connection is closed, and only after
   * the requests decoded before it are answered, in order, as Kafka does. Long polls among
   * them are cut short (answered with what they have) so the close is not delayed.
   */
  private fail(err: unknown, reason: CloseReason): void {
    if (this.failing || this.closed) return;
    this.failing = true;
    if (reason === 'malformed' || reason === 'oversized') {
      this.stats.malformed++;
      this.metrics.malformedRequest();
    }
    this.metrics.connectionRefused(reason);
    closeLog.log(this.deps.logger, { err: String(err), client: this.session.clientHost, reason });
    this.socket.pause();
    this.abort.abort();
    if (this.queue.length === 0) this.endAfterFlush();
    else this.failTimer = setTimeout(() => this.close(), FAIL_FLUSH_TIMEOUT_MS).unref();
  }

  /** Everything owed is queued on the socket: send it, then close. */
  private endAfterFlush(): void {
    if (this.closed) return;
    clearTimeout(this.failTimer);
    this.socket.end(() => this.close());
    // A client that never reads its answers cannot hold the socket open.
    this.failTimer = setTimeout(() => this.close(), FAIL_FLUSH_TIMEOUT_MS).unref();
  }

  /** Response bytes waiting in this socket's buffer. */
  get bufferedOutput(): number {
    return this.socket.writableLength;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.failTimer);
    clearTimeout(this.authTimer);
    clearTimeout(this.muteTimer);
    this.metrics.connectionClosed();
    this.abort.abort();
    this.socket.destroy();
    this.onClose();
  }

  /** Graceful: stop reading, let answered requests flush, then end. */
  async drain(timeoutMs: number): Promise<void> {
    this.socket.pause();
    const deadline = Date.now() + timeoutMs;
    while (this.queue.length > 0 && !this.closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    if (!this.closed) {
      this.socket.end();
      this.close();
    }
  }
}
