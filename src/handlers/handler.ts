// What every API handler provides: the versions it advertises, its generated codecs,
// and the function that answers a decoded request. Returning undefined sends nothing
// (Produce with acks=0). Handlers see the services they need as interfaces and the
// connection's session, never the broker that implements them.
import type { RequestHeader } from '../protocol/generated/request-header.js';
import type { Reader } from '../protocol/primitives/reader.js';
import type { Writer } from '../protocol/primitives/writer.js';
import type { HandlerServices } from '../services/handler-services.js';
import type { Session } from '../services/session.js';

export interface RequestContext {
  services: HandlerServices;
  session: Session;
  version: number;
  header: RequestHeader;
  /** Aborted when the connection closes, so long polls stop waiting. */
  signal: AbortSignal;
}

export interface ApiHandler<Req = unknown, Res = unknown> {
  apiKey: number;
  /** The versions advertised in ApiVersions; see docs/protocol-support.md. */
  minVersion: number;
  maxVersion: number;
  read(r: Reader, version: number): Req;
  write(w: Writer, version: number, res: Res): void;
  handle(req: Req, ctx: RequestContext): Promise<Res | undefined> | Res | undefined;
  /**
   * The answer to `req` when `handle` failed unexpectedly: `errorCode` on every item, as
   * Kafka's getErrorResponse does, so the connection and the other requests on it live on.
   */
  errorResponse(req: Req, version: number, errorCode: number): Res;
}

export function defineHandler<Req, Res>(h: ApiHandler<Req, Res>): ApiHandler<Req, Res> {
  return h;
}

/** The Kafka error code of a thrown error: KafkaErrors keep theirs, anything else is UNKNOWN_SERVER_ERROR. */
export { errorCodeOf } from './error-code.js';
