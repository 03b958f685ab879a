// SCRAM (RFC 5802, RFC 7677) on the server side, as Kafka's ScramSaslServer does it:
// credentials hold salt, StoredKey and ServerKey, never the password; the exchange is
// client-first → server-first (nonce, salt, iterations) → client-final (proof) →
// server-final (signature). Channel binding is not supported (gs2 header "n" or "y").
import { createHash, createHmac, pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { KafkaError } from '../errors.js';
import type { SaslExchange, SaslStep, ScramMechanism } from '../services/auth.js';

const pbkdf2Async = promisify(pbkdf2);

/** Kafka's bounds for SCRAM iterations. */
export const MIN_ITERATIONS = 4096;
export const MAX_ITERATIONS = 16384;

export interface ScramCredential {
  salt: Buffer;
  storedKey: Buffer;
  serverKey: Buffer;
  iterations: number;
}

const HASH: Record<ScramMechanism, { name: 'sha256' | 'sha512'; bytes: number }> = {
  'SCRAM-SHA-256': { name: 'sha256', bytes: 32 },
  'SCRAM-SHA-512': { name: 'sha512', bytes: 64 },
};

const hmac = (m: ScramMechanism, key: Buffer, data: string | Buffer): Buffer => createHmac(HASH[m].name, key).update(data).digest();
const hash = (m: ScramMechanism, data: Buffer): Buffer => createHash(HASH[m].name).update(data).digest();

/** Hi(password, salt, i) of RFC 5802: PBKDF2 with the mechanism's HMAC (off the event loop). */
export function saltPassword(mechanism: ScramMechanism, password: string, salt: Buffer, iterations: number): Promise<Buffer> {
  return pbkdf2Async(Buffer.from(password.normalize('NFKC'), 'utf8'), salt, iterations, HASH[mechanism].bytes, HASH[mechanism].name);
}

/** The stored form of a credential from its salted password. */
export function credentialFromSalted(mechanism: ScramMechanism, saltedPassword: Buffer, salt: Buffer, iterations: number): ScramCredential {
  const clientKey = hmac(mechanism, saltedPassword, 'Client Key');
  return { salt, storedKey: hash(mechanism, clientKey), serverKey: hmac(mechanism, saltedPassword, 'Server Key'), iterations };
}

export async function makeCredential(mechanism: ScramMechanism, password: string, iterations = MIN_ITERATIONS, salt = randomBytes(32)): Promise<ScramCredential> {
  return credentialFromSalted(mechanism, await saltPassword(mechanism, password, salt, iterations), salt, iterations);
}

/** Whether `password` matches a stored credential (PLAIN checks SCRAM credentials this way). */
export async function passwordMatches(mechanism: ScramMechanism, credential: ScramCredential, password: string): Promise<boolean> {
  const candidate = credentialFromSalted(mechanism, await saltPassword(mechanism, password, credential.salt, credential.iterations), credential.salt, credential.iterations);
  return timingSafeEqual(candidate.storedKey, credential.storedKey);
}

function failed(reason: string): KafkaError {
  return new KafkaError('SASL_AUTHENTICATION_FAILED', `Authentication failed: ${reason}`);
}

/** SCRAM's saslname: "=2C" is ",", "=3D" is "="; any other "=" is malformed. */
function decodeSaslName(raw: string): string {
  if (/=(?!2C|3D)/.test(raw)) throw failed('invalid user name encoding');
  return raw.replace(/=2C/g, ',').replace(/=3D/g, '=');
}

function attributes(message: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of message.split(',')) {
    if (part.length < 2 || part[1] !== '=') throw failed('malformed SCRAM message');
    out.set(part[0]!, part.slice(2));
  }
  return out;
}

export class ScramServerExchange implements SaslExchange {
  private state: 'first' | 'final' | 'done' = 'first';
  private user = '';
  private credential: ScramCredential | undefined;
  private nonce = '';
  private clientFirstBare = '';
  private serverFirst = '';
  private gs2Header = '';

  constructor(readonly mechanism: ScramMechanism, private readonly lookup: (user: string) => ScramCredential | undefined) {}

  step(token: Buffer): SaslStep {
    if (this.state === 'first') return this.first(token.toString('utf8'));
    if (this.state === 'final') return this.final(token.toString('utf8'));
    throw new KafkaError('ILLEGAL_SASL_STATE', 'the SCRAM exchange is complete');
  }

  private first(message: string): SaslStep {
    // gs2-header: "n,," or "y,," (no channel binding), optionally with "a=authzid".
    const m = /^([ny]),(a=[^,]*)?,(.*)$/.exec(message);
    if (m === null) throw failed(message.startsWith('p=') ? 'channel binding is not supported' : 'malformed client-first message');
    this.gs2Header = `${m[1]},${m[2] ?? ''},`;
    this.clientFirstBare = m[3]!;
    const a = attributes(this.clientFirstBare);
    const user = a.get('n');
    const clientNonce = a.get('r');
    if (user === undefined || clientNonce === undefined || clientNonce === '') throw failed('client-first message lacks n= or r=');
    if (a.has('m')) throw failed('mandatory SCRAM extensions are not supported');
    this.user = decodeSaslName(user);
    const authzid = m[2]?.slice(2);
    if (authzid !== undefined && authzid !== '' && decodeSaslName(authzid) !== this.user) throw failed('authorization id differs from the user');
    this.credential = this.lookup(this.user);
    // As Kafka: an unknown user fails here (the same message as a wrong password).
    if (this.credential === undefined) throw failed('invalid user credentials');
    this.nonce = clientNonce + randomBytes(18).toString('base64');
    this.serverFirst = `r=${this.nonce},s=${this.credential.salt.toString('base64')},i=${this.credential.iterations}`;
    this.state = 'final';
    return { challenge: Buffer.from(this.serverFirst) };
  }

  private final(message: string): SaslStep {
    const at = message.lastIndexOf(',p=');
    if (at < 0) throw failed('client-final message lacks a proof');
    const withoutProof = message.slice(0, at);
    const a = attributes(withoutProof);
    if (a.get('c') !== Buffer.from(this.gs2Header).toString('base64')) throw failed('channel binding data does not match');
    // As Kafka's ScramSaslServer: the nonce must end with ours (librdkafka sends its own
    // nonce again in front of the combined one).
    if (!(a.get('r') ?? '').endsWith(this.nonce)) throw failed('nonce mismatch');
    const proof = Buffer.from(message.slice(at + 3), 'base64');
    const cred = this.credential!;
    const authMessage = `${this.clientFirstBare},${this.serverFirst},${withoutProof}`;
    const signature = hmac(this.mechanism, cred.storedKey, authMessage);
    if (proof.length !== signature.length) throw failed('invalid user credentials');
    const clientKey = Buffer.alloc(proof.length);
    for (let i = 0; i < proof.length; i++) clientKey[i] = proof[i]! ^ signature[i]!;
    if (!timingSafeEqual(hash(this.mechanism, clientKey), cred.storedKey)) throw failed('invalid user credentials');
    this.state = 'done';
    const serverSignature = hmac(this.mechanism, cred.serverKey, authMessage).toString('base64');
    return { challenge: Buffer.from(`v=${serverSignature}`), principal: `User:${this.user}` };
  }
}
