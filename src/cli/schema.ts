// strata schema register|list|get|check|delete: the schema registry's REST API (Strata's
// or any Confluent-compatible one) from the command line.
import { readFileSync } from 'node:fs';
import { StrataError } from '../errors.js';
import { helpInsteadOfSubcommand, parse, print, UsageError, type Parsed } from './common.js';

const USAGE = `usage: strata schema COMMAND [options]

commands:
  list [--prefix P] [--deleted]          subjects
  register SUBJECT (--file F | --schema TEXT) [--type AVRO|JSON|PROTOBUF] [--reference NAME=SUBJECT:VERSION ...]
  get SUBJECT [--version N|latest]       one version of a subject (default latest)
  get --id N                             a schema by its id
  check SUBJECT (--file F | --schema TEXT) [--type T] [--version N|latest]
                                         would this schema be accepted? (with the reasons if not)
  delete SUBJECT [--version N] [--permanent]
                                         soft delete (a permanent delete needs a soft one first)

registry options:
  -r, --registry URL     the schema registry (default http://127.0.0.1:8081, or STRATA_SCHEMA_REGISTRY)
      --token TOKEN      sent as a bearer token (or STRATA_SCHEMA_REGISTRY_TOKEN)
  -o, --output table|json
  -h, --help

examples:
  strata schema register orders-value --file order.avsc
  strata schema check orders-value --file order-v2.avsc
  strata schema get orders-value --version 2 --output json`;

const TYPES = ['AVRO', 'JSON', 'PROTOBUF'];

interface Registry {
  url: string;
  token: string | undefined;
}

async function call(r: Registry, method: string, path: string, body?: unknown): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(`${r.url}${path}`, {
      method,
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json', ...(r.token === undefined ? {} : { authorization: `Bearer ${r.token}` }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
    throw new StrataError('STRATA_CONFIG_INVALID', `cannot reach the schema registry at ${r.url} (${cause}): is it running? (--registry)`);
  }
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // GET …/schema answers raw text for non-JSON schemas (Protobuf).
  }
  if (!res.ok) {
    const e = parsed as { error_code?: number; message?: string };
    throw new StrataError('STRATA_CONFIG_INVALID', `${e.message ?? text} (HTTP ${res.status}${e.error_code === undefined ? '' : `, error ${e.error_code}`})`);
  }
  return parsed;
}

function schemaBody(p: Parsed): { schema: string; schemaType?: string; references?: Array<{ name: string; subject: string; version: number }> } {
  const file = p.values.file;
  const text = p.values.schema;
  if ((file === undefined) === (text === undefined)) throw new UsageError('give the schema with --file F or --schema TEXT (one of them)', USAGE);
  let schema: string;
  if (typeof file === 'string') {
    try {
      schema = readFileSync(file, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read --file ${file}: ${(err as Error).message}`, USAGE);
    }
  } else {
    schema = String(text);
  }
  const type = typeof p.values.type === 'string' ? p.values.type.toUpperCase() : file !== undefined && /\.proto$/.test(String(file)) ? 'PROTOBUF' : 'AVRO';
  if (!TYPES.includes(type)) throw new UsageError(`--type must be AVRO, JSON or PROTOBUF, got ${String(p.values.type)}`, USAGE);
  const references = ((p.values.reference as string[] | undefined) ?? []).map((ref) => {
    const m = /^([^=]+)=([^:]+):(\d+|-1)$/.exec(ref);
    if (m === null) throw new UsageError(`--reference takes NAME=SUBJECT:VERSION, got ${JSON.stringify(ref)}`, USAGE);
    return { name: m[1]!, subject: m[2]!, version: Number(m[3]) };
  });
  return { schema, ...(type === 'AVRO' ? {} : { schemaType: type }), ...(references.length > 0 ? { references } : {}) };
}

function versionOption(p: Parsed, fallback: string | undefined): string | undefined {
  const v = p.values.version;
  if (v === undefined) return fallback;
  if (typeof v !== 'string' || !/^(\d+|latest|-1)$/.test(v)) throw new UsageError(`--version must be a number or latest, got ${String(v)}`, USAGE);
  return v;
}

export async function schemaCommand(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  if (helpInsteadOfSubcommand(sub, USAGE)) return;
  const p = parse(rest, {
    registry: { type: 'string', short: 'r' },
    token: { type: 'string' },
    file: { type: 'string', short: 'f' },
    schema: { type: 'string' },
    type: { type: 'string' },
    reference: { type: 'string', multiple: true },
    version: { type: 'string' },
    id: { type: 'string' },
    prefix: { type: 'string' },
    deleted: { type: 'boolean' },
    permanent: { type: 'boolean' },
  }, USAGE);
  if (p === undefined) return;
  const url = (typeof p.values.registry === 'string' ? p.values.registry : undefined) ?? (process.env.STRATA_SCHEMA_REGISTRY || 'http://127.0.0.1:8081');
  if (!/^https?:\/\/[^/]+/.test(url)) throw new UsageError(`--registry must be an http:// or https:// URL, got ${url}`, USAGE);
  const token = (typeof p.values.token === 'string' ? p.values.token : undefined) ?? (process.env.STRATA_SCHEMA_REGISTRY_TOKEN || undefined);
  const r: Registry = { url: url.replace(/\/$/, ''), token };
  const subject = p.positionals[0];
  const needSubject = (): string => {
    if (subject === undefined) throw new UsageError(`strata schema ${sub} needs a subject`, USAGE);
    return encodeURIComponent(subject);
  };
  switch (sub) {
    case 'list': {
      const q = new URLSearchParams();
      if (typeof p.values.prefix === 'string') q.set('subjectPrefix', p.values.prefix);
      if (p.values.deleted === true) q.set('deleted', 'true');
      const subjects = (await call(r, 'GET', `/subjects${q.size > 0 ? `?${q}` : ''}`)) as string[];
      print(p.common, subjects.map((s) => ({ subject: s })), subjects);
      return;
    }
    case 'register': {
      const s = needSubject();
      const body = schemaBody(p);
      const { id } = (await call(r, 'POST', `/subjects/${s}/versions`, body)) as { id: number };
      const latest = (await call(r, 'GET', `/subjects/${s}/versions/latest`)) as { version: number };
      print(p.common, [{ subject, id, version: latest.version }]);
      return;
    }
    case 'get': {
      if (typeof p.values.id === 'string') {
        if (!/^\d+$/.test(p.values.id)) throw new UsageError(`--id must be a number, got ${p.values.id}`, USAGE);
        const found = (await call(r, 'GET', `/schemas/ids/${p.values.id}`)) as { schema: string; schemaType?: string };
        const versions = (await call(r, 'GET', `/schemas/ids/${p.values.id}/versions`)) as Array<{ subject: string; version: number }>;
        if (p.common.output === 'json') return print(p.common, [], { id: Number(p.values.id), ...found, versions });
        process.stdout.write(`id ${p.values.id} (${found.schemaType ?? 'AVRO'}), used by ${versions.map((v) => `${v.subject} v${v.version}`).join(', ') || 'no live version'}\n${found.schema}\n`);
        return;
      }
      const s = needSubject();
      const version = versionOption(p, 'latest')!;
      const found = (await call(r, 'GET', `/subjects/${s}/versions/${version}`)) as { subject: string; version: number; id: number; schemaType?: string; schema: string };
      if (p.common.output === 'json') return print(p.common, [], found);
      process.stdout.write(`${found.subject} version ${found.version}, id ${found.id} (${found.schemaType ?? 'AVRO'})\n${found.schema}\n`);
      return;
    }
    case 'check': {
      const s = needSubject();
      const body = schemaBody(p);
      const version = versionOption(p, undefined);
      const out = (await call(r, 'POST', `/compatibility/subjects/${s}/versions${version === undefined ? '' : `/${version}`}?verbose=true`, body)) as { is_compatible: boolean; messages?: string[] };
      if (p.common.output === 'json') print(p.common, [], out);
      else process.stdout.write(out.is_compatible ? `compatible with ${subject}\n` : `NOT compatible with ${subject}:\n${(out.messages ?? []).map((m) => `  ${m}`).join('\n')}\n`);
      if (!out.is_compatible) process.exitCode = 1;
      return;
    }
    case 'delete': {
      const s = needSubject();
      const version = versionOption(p, undefined);
      const q = p.values.permanent === true ? '?permanent=true' : '';
      const out = await call(r, 'DELETE', version === undefined ? `/subjects/${s}${q}` : `/subjects/${s}/versions/${version}${q}`);
      const versions = Array.isArray(out) ? (out as number[]) : [out as number];
      print(p.common, versions.map((v) => ({ subject, version: v, deleted: p.values.permanent === true ? 'permanently' : 'soft' })), versions);
      return;
    }
    default:
      throw new UsageError(sub === undefined ? 'strata schema needs a command' : `unknown schema command ${JSON.stringify(sub)}`, USAGE);
  }
}
