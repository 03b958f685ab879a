// TLS for SSL listeners: the server options from PEM files, the client's principal from
// its certificate (mTLS), and reloading the files without dropping connections.
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import type { TLSSocket, TlsOptions } from 'node:tls';
import { StrataError } from '../errors.js';
import { ANONYMOUS } from '../services/session.js';

export type ClientAuth = 'none' | 'requested' | 'required';

export interface TlsFiles {
  certFile: string;
  keyFile: string;
  /** The CA that signs client certificates ('' when clients are not asked for one). */
  caFile: string;
  clientAuth: ClientAuth;
}

function read(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new StrataError('STRATA_CONFIG_INVALID', `cannot read the TLS ${what} ${path}: ${(err as Error).message}`);
  }
}

/** Server options for node:tls from the PEM files (read now: a bad file stops start-up). */
export function tlsServerOptions(files: TlsFiles): TlsOptions {
  const options: TlsOptions = {
    cert: read(files.certFile, 'certificate'),
    key: read(files.keyFile, 'key'),
    minVersion: 'TLSv1.2',
    // requested: a client may go without a certificate, but one it presents must verify
    // (checked after the handshake: Node cannot express that in rejectUnauthorized alone).
    requestCert: files.clientAuth !== 'none',
    rejectUnauthorized: files.clientAuth === 'required',
  };
  if (files.caFile !== '') options.ca = read(files.caFile, 'CA certificate');
  return options;
}

/** RFC 2253 escaping of one attribute value (as Java's X500Principal.getName() does). */
function escapeValue(v: string): string {
  let out = v.replace(/[\\,+"<>;=]/g, (c) => `\\${c}`);
  if (out.startsWith('#') || out.startsWith(' ')) out = `\\${out}`;
  if (out.endsWith(' ') && out.length > 1) out = `${out.slice(0, -1)}\\ `;
  return out;
}

/**
 * Kafka's default principal for a TLS client (ssl.principal.mapping.rules=DEFAULT): "User:"
 * and the certificate subject as an RFC 2253 string, most specific attribute first
 * ("CN=alice,OU=eng,O=Acme,C=US"). Node lists the subject in certificate order, one
 * attribute per line; RFC 2253 reverses it.
 */
export function principalFromSubject(subject: string): string {
  const attributes = subject.split('\n').filter((l) => l.includes('=')).map((l) => {
    const at = l.indexOf('=');
    return `${l.slice(0, at)}=${escapeValue(l.slice(at + 1))}`;
  });
  return `User:${attributes.reverse().join(',')}`;
}

/** The principal of a TLS connection: its verified certificate's subject, else ANONYMOUS. */
export function tlsPrincipal(socket: TLSSocket): string {
  const cert = socket.getPeerX509Certificate();
  if (cert === undefined || !socket.authorized) return ANONYMOUS;
  return principalFromSubject(cert.subject);
}

/** Whether a finished handshake may proceed: a presented certificate must have verified. */
export function acceptableClient(socket: TLSSocket): boolean {
  return socket.getPeerX509Certificate() === undefined || socket.authorized;
}

/**
 * Reloads the certificate, key and CA when one of the files changes or on SIGHUP, without
 * touching established connections. A reload that fails keeps the old files in force.
 * Returns the stop function.
 */
export function watchTlsFiles(files: TlsFiles, apply: (options: TlsOptions) => void, onError: (err: unknown) => void, intervalMs = 1000): () => void {
  const reload = (): void => {
    try {
      apply(tlsServerOptions(files));
    } catch (err) {
      onError(err);
    }
  };
  const paths = [files.certFile, files.keyFile, files.caFile].filter((p) => p !== '');
  for (const p of paths) watchFile(p, { interval: intervalMs, persistent: false }, (cur, prev) => {
    if (cur.mtimeMs !== prev.mtimeMs || cur.size !== prev.size) reload();
  });
  process.on('SIGHUP', reload);
  return () => {
    for (const p of paths) unwatchFile(p);
    process.off('SIGHUP', reload);
  };
}
