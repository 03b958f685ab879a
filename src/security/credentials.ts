// SCRAM credentials: a cache of the metadata store's records (lookups are synchronous,
// as every SASL step needs them), changes through the store (compare-and-set), the
// bootstrap user at first start, and the SASL mechanisms built on them.
import { KafkaError } from '../errors.js';
import type { Authenticator, SaslExchange, ScramCredentialAdmin, ScramCredentialInfo, ScramMechanism } from '../services/auth.js';
import { SCRAM_MECHANISMS } from '../services/auth.js';
import type { ClusterMetadataStore, ScramCredentialRecord, Versioned } from '../services/cluster-metadata.js';
import { LoginThrottle } from './login-throttle.js';
import { OAuthBearerServerExchange, type TokenValidator } from './oauthbearer.js';
import { PlainServerExchange } from './plain.js';
import { credentialFromSalted, makeCredential, MAX_ITERATIONS, MIN_ITERATIONS, ScramServerExchange, type ScramCredential } from './scram.js';

const key = (user: string, mechanism: string): string => `${mechanism}\u0000${user}`;

function toCredential(r: ScramCredentialRecord): ScramCredential {
  return { salt: Buffer.from(r.salt, 'base64'), storedKey: Buffer.from(r.storedKey, 'base64'), serverKey: Buffer.from(r.serverKey, 'base64'), iterations: r.iterations };
}

export class ScramCredentials implements Authenticator, ScramCredentialAdmin {
  private readonly cache = new Map<string, Versioned<ScramCredentialRecord>>();

  constructor(
    private readonly store: ClusterMetadataStore,
    initial: ReadonlyArray<Versioned<ScramCredentialRecord>>,
    readonly mechanisms: readonly string[],
    private readonly throttle = new LoginThrottle(20, 5),
    /** OAUTHBEARER's token check, when that mechanism is enabled. */
    private readonly oauth?: TokenValidator,
  ) {
    for (const c of initial) this.cache.set(key(c.value.user, c.value.mechanism), c);
  }

  /** Takes the store's credentials as they are now (cluster mode: another broker may have changed them). */
  reload(records: ReadonlyArray<Versioned<ScramCredentialRecord>>): void {
    this.cache.clear();
    for (const c of records) this.cache.set(key(c.value.user, c.value.mechanism), c);
  }

  admit(clientHost: string): boolean {
    return this.throttle.admit(clientHost);
  }

  failed(clientHost: string): void {
    this.throttle.failed(clientHost);
  }

  lookup(user: string, mechanism: ScramMechanism): ScramCredential | undefined {
    const c = this.cache.get(key(user, mechanism));
    return c === undefined ? undefined : toCredential(c.value);
  }

  begin(mechanism: string): SaslExchange | undefined {
    if (!this.mechanisms.includes(mechanism)) return undefined;
    if (mechanism === 'PLAIN') {
      return new PlainServerExchange((user) => {
        for (const m of SCRAM_MECHANISMS) {
          const credential = this.lookup(user, m);
          if (credential !== undefined) return { mechanism: m, credential };
        }
        return undefined;
      });
    }
    if (mechanism === 'SCRAM-SHA-256' || mechanism === 'SCRAM-SHA-512') return new ScramServerExchange(mechanism, (user) => this.lookup(user, mechanism));
    if (mechanism === 'OAUTHBEARER' && this.oauth !== undefined) return new OAuthBearerServerExchange(this.oauth);
    return undefined;
  }

  describe(users: string[] | null): Array<{ user: string; credentials: ScramCredentialInfo[] }> {
    const byUser = new Map<string, ScramCredentialInfo[]>();
    for (const { value } of this.cache.values()) {
      if (users !== null && !users.includes(value.user)) continue;
      const list = byUser.get(value.user) ?? [];
      list.push({ mechanism: value.mechanism, iterations: value.iterations });
      byUser.set(value.user, list);
    }
    return [...byUser].map(([user, credentials]) => ({ user, credentials })).sort((a, b) => a.user.localeCompare(b.user));
  }

  async upsert(user: string, mechanism: ScramMechanism, salt: Buffer, saltedPassword: Buffer, iterations: number): Promise<void> {
    if (user === '') throw new KafkaError('UNACCEPTABLE_CREDENTIAL', 'the user name must not be empty');
    if (iterations < MIN_ITERATIONS || iterations > MAX_ITERATIONS) throw new KafkaError('UNACCEPTABLE_CREDENTIAL', `iterations must be from ${MIN_ITERATIONS} to ${MAX_ITERATIONS}, got ${iterations}`);
    if (salt.length === 0 || saltedPassword.length === 0) throw new KafkaError('UNACCEPTABLE_CREDENTIAL', 'salt and salted password must not be empty');
    await this.store1(user, mechanism, credentialFromSalted(mechanism, saltedPassword, salt, iterations));
  }

  /** Creates or replaces a credential from a password (the bootstrap user, tests). */
  async setPassword(user: string, mechanism: ScramMechanism, password: string, iterations = MIN_ITERATIONS): Promise<void> {
    await this.store1(user, mechanism, await makeCredential(mechanism, password, iterations));
  }

  private async store1(user: string, mechanism: ScramMechanism, c: ScramCredential): Promise<void> {
    const record: ScramCredentialRecord = {
      user, mechanism, salt: c.salt.toString('base64'), storedKey: c.storedKey.toString('base64'), serverKey: c.serverKey.toString('base64'), iterations: c.iterations,
    };
    const stored = await this.store.setScramCredential(record, this.cache.get(key(user, mechanism))?.version ?? 0);
    this.cache.set(key(user, mechanism), stored);
  }

  async delete(user: string, mechanism: ScramMechanism): Promise<void> {
    const current = this.cache.get(key(user, mechanism));
    if (current === undefined) throw new KafkaError('RESOURCE_NOT_FOUND', `user ${user} has no ${mechanism} credential`);
    await this.store.deleteScramCredential(user, mechanism, current.version);
    this.cache.delete(key(user, mechanism));
  }

  /** At first start: the bootstrap user ("name:password") gets both SCRAM credentials unless it has any. */
  async bootstrap(spec: string): Promise<boolean> {
    const at = spec.indexOf(':');
    const user = spec.slice(0, at);
    const password = spec.slice(at + 1);
    if (SCRAM_MECHANISMS.some((m) => this.cache.has(key(user, m)))) return false;
    for (const m of SCRAM_MECHANISMS) await this.setPassword(user, m, password);
    return true;
  }
}
