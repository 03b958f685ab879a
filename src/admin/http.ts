// Small HTTP helpers for the admin server: JSON bodies (size-limited), JSON answers, and
// errors with a stable code and a status that fits it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { KafkaError, StrataError } from '../errors.js';
import { readJsonBody } from '../network/http-server-lifecycle.js';

const MAX_BODY = 4 * 1024 * 1024;

export class HttpError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
    this.name = 'HttpError';
  }
}

/** Kafka errors map to the HTTP status a REST client expects. */
const STATUS_BY_KAFKA_ERROR: Record<string, number> = {
  UNKNOWN_TOPIC_OR_PARTITION: 404,
  GROUP_ID_NOT_FOUND: 404,
  TOPIC_ALREADY_EXISTS: 409,
  NON_EMPTY_GROUP: 409,
  INVALID_TOPIC_EXCEPTION: 400,
  INVALID_PARTITIONS: 400,
  INVALID_CONFIG: 400,
  INVALID_REPLICATION_FACTOR: 400,
  INVALID_REQUEST: 400,
  INVALID_GROUP_ID: 400,
};

export function readJson(req: IncomingMessage): Promise<unknown> {
  return readJsonBody(req, MAX_BODY, {
    tooLarge: () => new HttpError(413, 'BODY_TOO_LARGE', `request body over ${MAX_BODY} bytes`),
    invalid: () => new HttpError(400, 'INVALID_JSON', 'request body is not valid JSON'),
  });
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, null, 2) + '\n';
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendError(res: ServerResponse, err: unknown): void {
  if (err instanceof HttpError) return sendJson(res, err.status, { error: { code: err.code, message: err.message } });
  if (err instanceof KafkaError) return sendJson(res, STATUS_BY_KAFKA_ERROR[err.errorName] ?? 500, { error: { code: err.errorName, message: err.message } });
  // The schema registry's errors carry an HTTP status and Confluent's error code.
  const e = err as { status?: unknown; errorCode?: unknown; message?: unknown } | null;
  if (typeof e?.status === 'number' && typeof e.errorCode === 'number') return sendJson(res, e.status, { error: { code: `SCHEMA_REGISTRY_${e.errorCode}`, message: String(e.message) } });
  if (err instanceof StrataError) return sendJson(res, err.code === 'STRATA_CONFIG_INVALID' ? 400 : 500, { error: { code: err.code, message: err.message } });
  sendJson(res, 500, { error: { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) } });
}

/** Reads a required field of a JSON object with a type check. */
export function field<T>(body: unknown, name: string, check: (v: unknown) => v is T, what: string): T {
  const v = (body as Record<string, unknown> | null)?.[name];
  if (!check(v)) throw new HttpError(400, 'INVALID_FIELD', `"${name}" must be ${what}`);
  return v;
}

export const isString = (v: unknown): v is string => typeof v === 'string';
export const isPositiveInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0;
export const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
