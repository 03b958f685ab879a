// Sans-io framing of Kafka requests and responses: bytes in, typed header and a body
// reader out; typed response in, chunks out. No sockets, no timers.
import { API_SCHEMAS, ApiKey } from './generated/api-keys.js';
import { readRequestHeader, writeRequestHeader, type RequestHeader } from './generated/request-header.js';
import { readResponseHeader, writeResponseHeader } from './generated/response-header.js';
import { MalformedFrameError } from './primitives/malformed.js';
import { Reader } from './primitives/reader.js';
import { Writer } from './primitives/writer.js';

export interface DecodedRequest {
  header: RequestHeader;
  /** Positioned at the start of the body. */
  body: Reader;
}

/** Request header version for an API version: v2 when the API version is flexible. */
export function requestHeaderVersion(apiKey: number, apiVersion: number): number {
  const info = API_SCHEMAS.get(apiKey);
  if (info !== undefined && info.flexibleFrom >= 0 && apiVersion >= info.flexibleFrom) return 2;
  return 1;
}

/** Response header version: v1 when flexible, except ApiVersions which always answers v0. */
export function responseHeaderVersion(apiKey: number, apiVersion: number): number {
  if (apiKey === ApiKey.ApiVersions) return 0;
  return requestHeaderVersion(apiKey, apiVersion) === 2 ? 1 : 0;
}

/** Decodes a request frame (without its 4-byte length prefix). */
export function decodeRequest(frame: Buffer): DecodedRequest {
  if (frame.length < 8) throw new MalformedFrameError(`request of ${frame.length} bytes is shorter than a header`);
  const apiKey = frame.readInt16BE(0);
  const apiVersion = frame.readInt16BE(2);
  const r = new Reader(frame);
  const header = readRequestHeader(r, requestHeaderVersion(apiKey, apiVersion));
  return { header, body: r };
}

/** Reads just what is needed to answer a request that cannot be decoded: key, version, correlation id. */
export function peekHeader(frame: Buffer): { apiKey: number; apiVersion: number; correlationId: number } | undefined {
  if (frame.length < 8) return undefined;
  return { apiKey: frame.readInt16BE(0), apiVersion: frame.readInt16BE(2), correlationId: frame.readInt32BE(4) };
}

/** Encodes a whole response frame: length prefix, header, body. */
export function encodeResponse(apiKey: number, apiVersion: number, correlationId: number, body: (w: Writer) => void): Buffer[] {
  const w = new Writer(512);
  writeResponseHeader(w, responseHeaderVersion(apiKey, apiVersion), { correlationId });
  body(w);
  const length = Buffer.allocUnsafe(4);
  length.writeInt32BE(w.length, 0);
  return [length, ...w.toChunks()];
}

/** Client side: encodes a request frame. */
export function encodeRequest(header: RequestHeader, body: (w: Writer) => void): Buffer {
  const w = new Writer(512);
  writeRequestHeader(w, requestHeaderVersion(header.requestApiKey, header.requestApiVersion), header);
  body(w);
  const out = w.toBuffer();
  const length = Buffer.allocUnsafe(4);
  length.writeInt32BE(out.length, 0);
  return Buffer.concat([length, out]);
}

/** Client side: decodes a response frame (without length) into its correlation id and body reader. */
export function decodeResponse(frame: Buffer, apiKey: number, apiVersion: number): { correlationId: number; body: Reader } {
  const r = new Reader(frame);
  const header = readResponseHeader(r, responseHeaderVersion(apiKey, apiVersion));
  return { correlationId: header.correlationId, body: r };
}
