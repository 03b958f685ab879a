// The schema registry's listener (default http://127.0.0.1:8081, as Confluent and Redpanda):
// the Confluent Schema Registry REST API over SchemaRegistry, with Confluent's error bodies
// ({"error_code": 40401, "message": …}) and content type. With --admin-token-file set, every
// request needs a token (Bearer, or Basic with the token as password); with authorisation
// on, subjects are guarded by the ACLs of the topic they name (TopicNameStrategy).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { presentedToken } from '../services/bearer-tokens.js';
import { closeHttp, listenHttp, readJsonBody } from '../network/http-server-lifecycle.js';
import { AclOperation, ResourceType, type AccessControl } from '../services/acls.js';
import { anonymousSession } from '../services/session.js';
import type { SchemaType } from './formats/format.js';
import { SCHEMA_TYPES } from './formats/format.js';
import { RegistryError, registryErrors as E } from './errors.js';
import type { SchemaInput, SchemaRegistry, SubjectVersion } from './registry.js';
import type { SchemaReference } from './schema-records.js';

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';
const MAX_BODY = 16 * 1024 * 1024;

export interface RegistryAuth {
  tokens: () => ReadonlyArray<{ token: string; principal: string | null }>;
  /** With authorisation on: these principals may do anything; others as the topic ACLs allow. */
  superUsers?: readonly string[];
  access?: AccessControl;
}

interface Ctx {
  params: string[];
  query: URLSearchParams;
  body: () => Promise<unknown>;
  /** Throws 40301 unless the caller may read (DESCRIBE) or change (ALTER) this subject, or do global changes. */
  authorize(subject: string | null, change: boolean): void;
}

type Handler = (registry: SchemaRegistry, ctx: Ctx) => Promise<unknown>;

interface Route {
  method: string;
  pattern: RegExp;
  run: Handler;
}

const flag = (q: URLSearchParams, name: string): boolean => q.get(name) === 'true';

function schemaInput(body: unknown): SchemaInput & { id?: number; version?: number } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw E.badRequest('the body must be a JSON object');
  const b = body as Record<string, unknown>;
  if (typeof b.schema !== 'string' || b.schema === '') throw E.invalidSchema('"schema" must be a non-empty string');
  const schemaType = b.schemaType === undefined || b.schemaType === null ? 'AVRO' : b.schemaType;
  if (typeof schemaType !== 'string' || !SCHEMA_TYPES.includes(schemaType as SchemaType)) throw E.invalidSchema(`unknown schema type ${JSON.stringify(schemaType)} (AVRO, JSON or PROTOBUF)`);
  const refsIn = b.references ?? [];
  if (!Array.isArray(refsIn)) throw E.invalidSchema('"references" must be an array');
  const references: SchemaReference[] = refsIn.map((r: unknown) => {
    const ref = r as Record<string, unknown> | null;
    if (typeof ref?.name !== 'string' || typeof ref.subject !== 'string' || typeof ref.version !== 'number' || !Number.isInteger(ref.version)) {
      throw E.invalidSchema('a reference has a string name, a string subject and an integer version');
    }
    return { name: ref.name, subject: ref.subject, version: ref.version };
  });
  const out: SchemaInput & { id?: number; version?: number } = { schema: b.schema, schemaType: schemaType as SchemaType, references };
  if (typeof b.id === 'number' && b.id >= 0) out.id = b.id;
  if (typeof b.version === 'number' && b.version > 0) out.version = b.version;
  return out;
}

/** A version as Confluent answers it: schemaType left out for Avro, references for none. */
function versionBody(v: SubjectVersion | (SchemaInput & { id: number; subject?: string; version?: number })): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if ('subject' in v && v.subject !== undefined) out.subject = v.subject;
  if ('version' in v && v.version !== undefined) out.version = v.version;
  out.id = v.id;
  if (v.schemaType !== 'AVRO') out.schemaType = v.schemaType;
  if (v.references.length > 0) out.references = v.references;
  out.schema = v.schema;
  if ('deleted' in v && v.deleted) out.deleted = true;
  return out;
}

function route(method: string, path: string, run: Handler): Route {
  // Path segments in braces match one URL segment (subjects are percent-encoded by clients).
  return { method, pattern: new RegExp(`^${path.replace(/\{[a-z]+\}/g, '([^/]+)')}/?$`), run };
}

const ROUTES: Route[] = [
  route('GET', '', async () => ({})),
  route('GET', '/schemas/types', async () => [...SCHEMA_TYPES]),
  route('GET', '/schemas', async (r, { query, authorize }) => {
    authorize(null, false);
    const prefix = query.get('subjectPrefix');
    const all = await r.allSchemas({ deleted: flag(query, 'deleted'), latestOnly: flag(query, 'latestOnly'), ...(prefix === null ? {} : { prefix }) });
    return all.map(versionBody);
  }),
  route('GET', '/schemas/ids/{id}', async (r, { params, query }) => {
    const s = await r.schemaById(idParam(params[0]!));
    const out = versionBody(s);
    if (flag(query, 'fetchMaxId')) out.maxId = s.id;
    return out;
  }),
  route('GET', '/schemas/ids/{id}/schema', async (r, { params }) => rawSchema((await r.schemaById(idParam(params[0]!))).schema)),
  route('GET', '/schemas/ids/{id}/subjects', async (r, { params, query }) => [...new Set((await r.versionsById(idParam(params[0]!), flag(query, 'deleted'))).map((v) => v.subject))]),
  route('GET', '/schemas/ids/{id}/versions', async (r, { params, query }) => r.versionsById(idParam(params[0]!), flag(query, 'deleted'))),
  route('GET', '/subjects', async (r, { query }) => {
    const prefix = query.get('subjectPrefix');
    return r.subjectsList({ deleted: flag(query, 'deleted'), ...(prefix === null ? {} : { prefix }) });
  }),
  route('POST', '/subjects/{subject}', async (r, { params, query, body, authorize }) => {
    authorize(params[0]!, false);
    return versionBody(await r.lookup(params[0]!, schemaInput(await body()), flag(query, 'deleted')));
  }),
  route('DELETE', '/subjects/{subject}', async (r, { params, query, authorize }) => {
    authorize(params[0]!, true);
    return r.deleteSubject(params[0]!, flag(query, 'permanent'));
  }),
  route('GET', '/subjects/{subject}/versions', async (r, { params, query, authorize }) => {
    authorize(params[0]!, false);
    return r.versions(params[0]!, flag(query, 'deleted'));
  }),
  route('POST', '/subjects/{subject}/versions', async (r, { params, body, authorize }) => {
    authorize(params[0]!, true);
    const { id } = await r.register(params[0]!, schemaInput(await body()));
    return { id };
  }),
  route('GET', '/subjects/{subject}/versions/{version}', async (r, { params, query, authorize }) => {
    authorize(params[0]!, false);
    return versionBody(await r.version(params[0]!, params[1]!, flag(query, 'deleted')));
  }),
  route('GET', '/subjects/{subject}/versions/{version}/schema', async (r, { params, query, authorize }) => {
    authorize(params[0]!, false);
    return rawSchema((await r.version(params[0]!, params[1]!, flag(query, 'deleted'))).schema);
  }),
  route('GET', '/subjects/{subject}/versions/{version}/referencedby', async (r, { params, authorize }) => {
    authorize(params[0]!, false);
    return r.referencedByVersion(params[0]!, params[1]!);
  }),
  route('DELETE', '/subjects/{subject}/versions/{version}', async (r, { params, query, authorize }) => {
    authorize(params[0]!, true);
    return r.deleteVersion(params[0]!, params[1]!, flag(query, 'permanent'));
  }),
  route('POST', '/compatibility/subjects/{subject}/versions/{version}', async (r, { params, query, body, authorize }) => compatibility(r, params[0]!, params[1]!, query, body, authorize)),
  route('POST', '/compatibility/subjects/{subject}/versions', async (r, { params, query, body, authorize }) => compatibility(r, params[0]!, undefined, query, body, authorize)),
  route('GET', '/config', async (r) => ({ compatibilityLevel: await r.compatibility(null, true) })),
  route('PUT', '/config', async (r, { body, authorize }) => {
    authorize(null, true);
    return { compatibility: await r.setCompatibility(null, compatibilityField(await body())) };
  }),
  route('GET', '/config/{subject}', async (r, { params, query, authorize }) => {
    authorize(params[0]!, false);
    return { compatibilityLevel: await r.compatibility(params[0]!, flag(query, 'defaultToGlobal')) };
  }),
  route('PUT', '/config/{subject}', async (r, { params, body, authorize }) => {
    authorize(params[0]!, true);
    return { compatibility: await r.setCompatibility(params[0]!, compatibilityField(await body())) };
  }),
  route('DELETE', '/config/{subject}', async (r, { params, authorize }) => {
    authorize(params[0]!, true);
    return { compatibilityLevel: await r.deleteCompatibility(params[0]!) };
  }),
  route('GET', '/mode', async (r) => ({ mode: await r.mode(null, true) })),
  route('PUT', '/mode', async (r, { body, query, authorize }) => {
    authorize(null, true);
    return { mode: await r.setMode(null, modeField(await body()), flag(query, 'force')) };
  }),
  route('GET', '/mode/{subject}', async (r, { params, query, authorize }) => {
    authorize(params[0]!, false);
    return { mode: await r.mode(params[0]!, flag(query, 'defaultToGlobal')) };
  }),
  route('PUT', '/mode/{subject}', async (r, { params, body, query, authorize }) => {
    authorize(params[0]!, true);
    return { mode: await r.setMode(params[0]!, modeField(await body()), flag(query, 'force')) };
  }),
  route('DELETE', '/mode/{subject}', async (r, { params, authorize }) => {
    authorize(params[0]!, true);
    return { mode: await r.deleteMode(params[0]!) };
  }),
];

async function compatibility(r: SchemaRegistry, subject: string, version: string | undefined, query: URLSearchParams, body: () => Promise<unknown>, authorize: Ctx['authorize']): Promise<unknown> {
  authorize(subject, false);
  const out = await r.checkCompatibility(subject, version, schemaInput(await body()));
  return flag(query, 'verbose') ? { is_compatible: out.compatible, messages: out.messages } : { is_compatible: out.compatible };
}

function idParam(raw: string): number {
  const id = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(id)) throw E.schemaNotFound(`Schema ${raw} not found`);
  return id;
}

function compatibilityField(body: unknown): unknown {
  return (body as { compatibility?: unknown; compatibilityLevel?: unknown } | null)?.compatibility ?? (body as { compatibilityLevel?: unknown } | null)?.compatibilityLevel;
}

function modeField(body: unknown): unknown {
  return (body as { mode?: unknown } | null)?.mode;
}

/** GET …/schema answers the schema text itself. */
class RawSchema {
  constructor(readonly text: string) {}
}
const rawSchema = (text: string): RawSchema => new RawSchema(text);

/** The topic a subject names under TopicNameStrategy (`orders-value` → `orders`), or undefined. */
function topicOfSubject(subject: string): string | undefined {
  const m = /^(.+)-(key|value)$/.exec(subject);
  return m?.[1];
}

function readBody(req: IncomingMessage): Promise<unknown> {
  return readJsonBody(req, MAX_BODY, { tooLarge: () => E.tooLarge(MAX_BODY), invalid: (m) => E.badRequest(`the body is not valid JSON: ${m}`) });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (body instanceof RawSchema) {
    res.writeHead(status, { 'content-type': CONTENT_TYPE, 'content-length': Buffer.byteLength(body.text) });
    res.end(body.text);
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': CONTENT_TYPE, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export class SchemaRegistryServer {
  private readonly server: Server;

  constructor(private readonly registry: SchemaRegistry, private readonly auth?: RegistryAuth) {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (err instanceof RegistryError) return send(res, err.status, { error_code: err.errorCode, message: err.message });
        send(res, 500, { error_code: 50001, message: err instanceof Error ? err.message : String(err) });
      });
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://registry');
    const method = req.method ?? 'GET';
    const principal = this.authenticate(req);
    const path = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '');
    let pathMatched = false;
    for (const r of ROUTES) {
      const m = r.pattern.exec(path);
      if (m === null) continue;
      pathMatched = true;
      if (r.method !== method) continue;
      let params: string[];
      try {
        params = m.slice(1).map((p) => decodeURIComponent(p));
      } catch {
        throw E.badRequest('a path segment is not valid percent-encoding');
      }
      const out = await r.run(this.registry, {
        params, query: url.searchParams, body: () => readBody(req),
        authorize: (subject, change) => this.authorize(principal, subject, change),
      });
      return send(res, 200, out);
    }
    throw pathMatched ? E.methodNotAllowed() : E.notFound(url.pathname);
  }

  /** The principal a request acts as (undefined when no token file is configured); 401 without a valid token. */
  private authenticate(req: IncomingMessage): string | null | undefined {
    if (this.auth === undefined) return undefined;
    const found = presentedToken(req.headers.authorization, this.auth.tokens(), true);
    if (found === undefined) throw E.unauthorized();
    return found.principal;
  }

  private authorize(principal: string | null | undefined, subject: string | null, change: boolean): void {
    const { superUsers, access } = this.auth ?? {};
    if (superUsers === undefined || access === undefined || principal === undefined) return;
    if (principal !== null && superUsers.includes(principal)) return;
    const topic = subject === null ? undefined : topicOfSubject(subject);
    const session = { ...anonymousSession('PLAINTEXT', '127.0.0.1'), principal: principal ?? 'User:ANONYMOUS' };
    const op = change ? AclOperation.ALTER : AclOperation.DESCRIBE;
    if (topic !== undefined && access.allows(session, op, ResourceType.TOPIC, topic)) return;
    throw E.forbidden(subject === null
      ? 'User is denied operation on the global registry settings: super users only'
      : `User is denied operation ${change ? 'Alter' : 'Describe'} on subject ${subject}${topic === undefined ? ' (not named <topic>-key or <topic>-value: super users only)' : ` (needs ${change ? 'ALTER' : 'DESCRIBE'} on topic ${topic})`}`);
  }

  listen(host: string, port: number): Promise<{ host: string; port: number }> {
    return listenHttp(this.server, host, port);
  }

  close(): Promise<void> {
    return closeHttp(this.server);
  }
}
