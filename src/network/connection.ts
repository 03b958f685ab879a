// One client connection: frames in, requests dispatched concurrently, responses out in
// request order (Kafka clients rely on it). A connection whose responses pile up, or
// whose socket cannot keep up, stops being read until it drains: memory per connection
// stays bounded by the in-flight limit and the frame size limit.
import type { Socket } from 'node:net';
import type { Broker } from '../broker/broker.js';
import { KafkaError } from '../errors.js';
import type { ApiHandler } from '../handlers/handler.js';
import { supportedApis } from '../handlers/api-versions.js';
import { ApiKey } from '../protocol/generated/api-keys.js';
import { ErrorCode } from '../protocol/generated/error-codes.js';
import { writeApiVersionsResponse, defaultApiVersionsResponse } from '../protocol/generated/api-versions-response.js';
import { decodeRequest, encodeResponse, peekHeader } from '../protocol/frame.js';
import { FrameSplitter } from './frame-splitter.js';

/** Requests decoded but not yet answered before reading pauses. */
const MAX_IN_FLIGHT = 256;
/** Unsent response bytes before reading pauses. */
const MAX_QUEUED_BYTES = 32 * 1024 * 1024;

interface Slot {
  ready: boolean;
  chunks: Buffer[] | undefined;
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
  readonly clientHost: string;

  constructor(private readonly socket: Socket, private readonly broker: Broker, private readonly stats: ConnectionStats, private readonly onClose: () => void) {
    this.splitter = new FrameSplitter(broker.config.socketRequestMaxBytes);
    this.clientHost = socket.remoteAddress ?? 'unknown';
    broker.metrics.broker.connectionOpened();
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('drain', () => this.maybeResume());
    socket.on('error', () => this.close());
    socket.on('close', () => this.close());
  }

  private onData(data: Buffer): void {
    let frames: Buffer[];
    try {
      frames = this.splitter.push(data);
    } catch (err) {
      this.fail(err);
      return;
    }
    for (const frame of frames) {
      if (this.closed) return;
      this.dispatch(frame);
    }
    this.maybePause();
  }

  private dispatch(frame: Buffer): void {
    this.stats.requests++;
    const peek = peekHeader(frame);
    if (peek === undefined) {
      this.fail(new KafkaError('INVALID_REQUEST', 'frame shorter than a request header'));
      return;
    }
    const handler = this.broker.handlers.get(peek.apiKey);
    const slot: Slot = { ready: false, chunks: undefined };
    this.queue.push(slot);
    if (handler === undefined || peek.apiVersion < handler.minVersion || peek.apiVersion > handler.maxVersion) {
      this.finish(slot, this.unsupported(peek.apiKey, peek.apiVersion, peek.correlationId));
      return;
    }
    let request: unknown;
    let correlationId: number;
    let header;
    try {
      const decoded = decodeRequest(frame);
      header = decoded.header;
      correlationId = header.correlationId;
      request = handler.read(decoded.body, peek.apiVersion);
    } catch (err) {
      this.fail(err);
      return;
    }
    const ctx = { broker: this.broker, version: peek.apiVersion, header, clientHost: this.clientHost, signal: this.abort.signal };
    const started = performance.now();
    let pending: ReturnType<ApiHandler['handle']>;
    try {
      pending = handler.handle(request, ctx);
    } catch (err) {
      this.handlerFailed(err, peek.apiKey);
      return;
    }
    Promise.resolve(pending).then(
      (response) => {
        const chunks = response === undefined ? undefined : encodeResponse(peek.apiKey, peek.apiVersion, correlationId, (w) => handler.write(w, peek.apiVersion, response));
        this.broker.metrics.broker.request(peek.apiKey, peek.apiVersion, (performance.now() - started) / 1000);
        this.finish(slot, chunks);
      },
      (err: unknown) => this.handlerFailed(err, peek.apiKey),
    );
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
      res.apiKeys = supportedApis([...this.broker.handlers.values()]);
      return encodeResponse(apiKey, 0, correlationId, (w) => writeApiVersionsResponse(w, 0, res));
    }
    // The header follows the request's flexibility as the schemas define it (v0 for keys
    // no schema knows), so a client can read the error.
    return encodeResponse(apiKey, apiVersion, correlationId, (w) => w.int16(ErrorCode.UNSUPPORTED_VERSION));
  }

  private handlerFailed(err: unknown, apiKey: number): void {
    this.broker.logger.error({ err, apiKey, client: this.clientHost }, 'request handler failed; closing the connection');
    this.close();
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
      this.socket.resume();
    }
  }

  /** A malformed or oversized frame: only this client's connection is closed. */
  private fail(err: unknown): void {
    this.stats.malformed++;
    this.broker.metrics.broker.malformedRequest();
    this.broker.logger.debug({ err: String(err), client: this.clientHost }, 'closing connection after a malformed request');
    this.close();
  }

  /** Response bytes waiting in this socket's buffer. */
  get bufferedOutput(): number {
    return this.socket.writableLength;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.broker.metrics.broker.connectionClosed();
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
