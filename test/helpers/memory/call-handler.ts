// Runs one handler the way a connection does, bytes in and bytes out: the request object
// is encoded with the generated request codec, decoded by the handler's reader, handled
// against the given services, and the answer encoded by the handler's writer and decoded
// again with the generated response codec.
import type { ApiHandler } from '../../../src/handlers/handler.js';
import { Reader } from '../../../src/protocol/primitives/reader.js';
import { Writer } from '../../../src/protocol/primitives/writer.js';
import type { HandlerServices } from '../../../src/services/handler-services.js';
import { anonymousSession } from '../../../src/services/session.js';

export interface CallOptions {
  signal?: AbortSignal;
  clientId?: string;
}

export async function callHandler<Req, Res>(
  handler: ApiHandler<Req, Res>,
  services: HandlerServices,
  version: number,
  request: Req,
  codecs: { writeRequest: (w: Writer, version: number, req: Req) => void; readResponse: (r: Reader, version: number) => Res },
  options: CallOptions = {},
): Promise<Res | undefined> {
  const w = new Writer();
  codecs.writeRequest(w, version, request);
  const decoded = handler.read(new Reader(w.toBuffer()), version);
  const session = anonymousSession('PLAINTEXT', '/127.0.0.1');
  session.clientId = options.clientId ?? 'unit';
  const header = { requestApiKey: handler.apiKey, requestApiVersion: version, correlationId: 1, clientId: session.clientId };
  const res = await handler.handle(decoded, { services, session, version, header, signal: options.signal ?? new AbortController().signal });
  if (res === undefined) return undefined;
  const out = new Writer();
  handler.write(out, version, res);
  return codecs.readResponse(new Reader(out.toBuffer()), version);
}
