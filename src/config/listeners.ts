// Listeners as Kafka names them: `NAME://host:port`, where the name is the security
// protocol (PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL). `--host`/`--port`
// stay the shorthand for one PLAINTEXT listener. Advertised listeners say what Metadata
// tells clients that arrived on each listener.
import { StrataError } from '../errors.js';

export type SecurityProtocol = 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL';
const SUPPORTED: readonly string[] = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'];
const KNOWN: readonly string[] = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'];

/** Whether the listener speaks TLS. */
export function usesTls(protocol: SecurityProtocol): boolean {
  return protocol === 'SSL' || protocol === 'SASL_SSL';
}

export interface ListenerSpec {
  name: string;
  protocol: SecurityProtocol;
  host: string;
  port: number;
}

function bad(source: string, value: string, rule: string): never {
  throw new StrataError('STRATA_CONFIG_INVALID', `invalid setting ${source}=${JSON.stringify(value)}: ${rule}`);
}

/** Parses a comma list of NAME://host:port; empty → undefined. Port 0 binds any free port. */
export function parseListeners(source: string, value: string): ListenerSpec[] | undefined {
  if (value.trim() === '') return undefined;
  const out: ListenerSpec[] = [];
  for (const item of value.split(',').map((s) => s.trim())) {
    const m = /^([A-Z_]+):\/\/(\[[^\]]+\]|[^:/]*):(\d+)$/.exec(item);
    if (m === null) bad(source, item, 'NAME://host:port, e.g. PLAINTEXT://127.0.0.1:9092,SSL://0.0.0.0:9093');
    const [, name, rawHost, rawPort] = m;
    if (!KNOWN.includes(name!)) bad(source, item, `the listener name is its security protocol: ${KNOWN.join(', ')}`);
    if (!SUPPORTED.includes(name!)) bad(source, item, `${name} listeners are not supported: use ${SUPPORTED.join(', ')}`);
    const port = Number(rawPort);
    if (port > 65535) bad(source, item, 'a port from 0 to 65535');
    if (out.some((l) => l.name === name)) bad(source, item, `listener ${name} is named twice`);
    const host = rawHost!.startsWith('[') ? rawHost!.slice(1, -1) : rawHost!;
    out.push({ name: name!, protocol: name as SecurityProtocol, host: host === '' ? '0.0.0.0' : host, port });
  }
  return out;
}
