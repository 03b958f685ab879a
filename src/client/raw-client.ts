// A minimal Kafka client on the project's own protocol layer: one connection, requests
// pipelined, responses matched by correlation id. Used by tests, fuzzing and perf tools
// (it is not a full client: no metadata routing, no retries).
import { connect, type Socket } from 'node:net';
import { connect as connectTls, type ConnectionOptions } from 'node:tls';
import { decodeResponse, encodeRequest } from '../protocol/frame.js';
import type { Reader } from '../protocol/primitives/reader.js';
import type { Writer } from '../protocol/primitives/writer.js';
import { FrameSplitter } from '../network/frame-splitter.js';

interface Pending {
  apiKey: number;
  apiVersion: number;
  resolve: (r: Reader) => void;
  reject: (e: Error) => void;
}

export class RawClient {
  private nextCorrelation = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly splitter = new FrameSplitter(1 << 30);
  private closedError: Error | undefined;

  private constructor(private readonly socket: Socket, readonly clientId: string) {
    socket.on('data', (d: Buffer) => {
      for (const frame of this.splitter.push(d)) {
        const correlationId = frame.readInt32BE(0);
        const p = this.pending.get(correlationId);
        if (p === undefined) continue;
        this.pending.delete(correlationId);
        try {
          p.resolve(decodeResponse(frame, p.apiKey, p.apiVersion).body);
        } catch (err) {
          p.reject(err as Error);
        }
      }
      if (this.splitter.failure !== undefined) socket.destroy(this.splitter.failure);
    });
    const fail = (err: Error): void => {
      this.closedError = err;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('connection closed')));
  }

  static connect(host: string, port: number, clientId = 'strata-raw'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port }, () => {
        socket.off('error', reject);
        socket.setNoDelay(true);
        resolve(new RawClient(socket, clientId));
      });
      socket.once('error', reject);
    });
  }

  /** Over TLS (an SSL listener); `tls` carries the CA, and a client certificate for mTLS. */
  static connectTls(host: string, port: number, tls: ConnectionOptions, clientId = 'strata-raw'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = connectTls({ host, port, servername: host === '127.0.0.1' ? undefined : host, ...tls }, () => {
        socket.off('error', reject);
        socket.setNoDelay(true);
        resolve(new RawClient(socket, clientId));
      });
      socket.once('error', reject);
    });
  }

  get closed(): boolean {
    return this.closedError !== undefined;
  }

  /** Sends a request; resolves with a reader at the start of the response body. */
  request(apiKey: number, apiVersion: number, body: (w: Writer) => void, expectResponse = true): Promise<Reader> {
    if (this.closedError !== undefined) return Promise.reject(this.closedError);
    const correlationId = this.nextCorrelation++;
    const frame = encodeRequest({ requestApiKey: apiKey, requestApiVersion: apiVersion, correlationId, clientId: this.clientId }, body);
    return this.send(frame, correlationId, apiKey, apiVersion, expectResponse);
  }

  /** Sends raw bytes (fuzzing); a response for `correlationId` resolves the promise. */
  send(frame: Buffer, correlationId: number, apiKey: number, apiVersion: number, expectResponse = true): Promise<Reader> {
    return new Promise((resolve, reject) => {
      if (expectResponse) this.pending.set(correlationId, { apiKey, apiVersion, resolve, reject });
      this.socket.write(frame, (err) => {
        if (err) reject(err);
        else if (!expectResponse) resolve(undefined as never);
      });
    });
  }

  close(): void {
    this.socket.destroy();
  }
}
