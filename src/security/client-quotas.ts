// Client quotas (`--entity-type users/clients`): stored in the metadata store, resolved for
// each (user, client id) in Kafka's order of precedence (KIP-55), and enforced as rates.
//
// Precedence, most specific first: user+client, user+default client, user, default
// user+client, default user+default client, default user, client, default client. Each
// key resolves on its own. Usage is counted per matched entity with the real names filled
// in, so a default user quota gives every user a budget of their own, as in Kafka.
//
// Enforcement is a token bucket per (entity, key): it refills at the quota and holds one
// second of it. A request that takes the bucket below zero is answered at once with the
// time it must wait (throttle_time_ms), and its connection is muted for that time (KIP-219).
// Kafka measures the same rate over a sliding window of samples; the bucket gives the same
// long-run rate without letting a new client burst ten seconds' worth first.
import type { ClientQuotaRecord, ClusterMetadataStore } from '../services/cluster-metadata.js';
import type { ClientQuotaAdmin, QuotaEnforcer, QuotaEntity, QuotaFilterComponent, QuotaKey, RequestUsage } from '../services/quotas.js';
import type { Session } from '../services/session.js';
import { ApiKey } from '../protocol/generated/api-keys.js';

const entityKey = (e: QuotaEntity): string => JSON.stringify(['user' in e ? [e.user] : [], 'client-id' in e ? [e['client-id']] : []]);

interface Bucket {
  tokens: number;
  last: number;
}

/** A resolved limit for one key: the quota and the bucket that counts against it. */
interface Limit {
  /** Units a second: bytes, or thread-milliseconds for request_percentage. */
  rate: number;
  bucket: string;
}

/** Requests no quota slows down: what a client needs to find out it is throttled, and to log in. */
const EXEMPT = new Set<number>([ApiKey.ApiVersions, ApiKey.SaslHandshake, ApiKey.SaslAuthenticate]);

export class ClientQuotas implements ClientQuotaAdmin, QuotaEnforcer {
  private readonly entries = new Map<string, ClientQuotaRecord>();
  private readonly buckets = new Map<string, Bucket>();
  private resolved = new Map<string, Partial<Record<QuotaKey, Limit>>>();

  constructor(private readonly store: ClusterMetadataStore, initial: readonly ClientQuotaRecord[], private readonly now: () => number = () => performance.now()) {
    for (const q of initial) this.entries.set(entityKey(q.entity), q);
  }

  /** Takes the store's quotas as they are now (cluster mode: another broker may have changed them). */
  reload(records: readonly ClientQuotaRecord[]): void {
    this.entries.clear();
    for (const q of records) this.entries.set(entityKey(q.entity), q);
    this.resolved = new Map();
  }

  /** Whether any quota is configured (none: the stage does no work at all). */
  get active(): boolean {
    return this.entries.size > 0;
  }

  describe(components: QuotaFilterComponent[], strict: boolean): ClientQuotaRecord[] {
    return [...this.entries.values()].filter((q) => {
      const e = q.entity as Record<string, string | null | undefined>;
      for (const c of components) {
        if (!(c.entityType in e)) return false;
        const name = e[c.entityType];
        if (c.matchType === 0 && name !== c.match) return false;
        if (c.matchType === 1 && name !== null) return false;
      }
      return !strict || Object.keys(e).every((t) => components.some((c) => c.entityType === t));
    }).map((q) => ({ entity: { ...q.entity }, values: { ...q.values } }));
  }

  async alter(entity: QuotaEntity, changes: Record<string, number | null>): Promise<void> {
    const key = entityKey(entity);
    const values = { ...(this.entries.get(key)?.values ?? {}) };
    for (const [k, v] of Object.entries(changes)) {
      if (v === null) delete values[k];
      else values[k] = v;
    }
    await this.store.setClientQuota({ entity, values });
    if (Object.keys(values).length === 0) this.entries.delete(key);
    else this.entries.set(key, { entity: { ...entity }, values });
    this.resolved = new Map();
  }

  record(session: Session, usage: RequestUsage): number {
    if (this.entries.size === 0 || EXEMPT.has(usage.apiKey)) return 0;
    const limits = this.limitsFor(session);
    let throttle = 0;
    const charge = (limit: Limit | undefined, amount: number): void => {
      if (limit !== undefined && amount > 0) throttle = Math.max(throttle, this.take(limit, amount));
    };
    if (usage.apiKey === ApiKey.Produce) charge(limits.producer_byte_rate, usage.requestBytes);
    if (usage.apiKey === ApiKey.Fetch) charge(limits.consumer_byte_rate, usage.responseBytes);
    charge(limits.request_percentage, usage.threadMs);
    return Math.ceil(throttle);
  }

  private take(limit: Limit, amount: number): number {
    const now = this.now();
    let b = this.buckets.get(limit.bucket);
    if (b === undefined) {
      if (this.buckets.size >= 50_000) this.forgetIdle(now);
      this.buckets.set(limit.bucket, (b = { tokens: limit.rate, last: now }));
    }
    b.tokens = Math.min(limit.rate, b.tokens + ((now - b.last) * limit.rate) / 1000);
    b.last = now;
    b.tokens -= amount;
    return b.tokens >= 0 ? 0 : (-b.tokens / limit.rate) * 1000;
  }

  /** Buckets untouched for a minute are full again: forgetting them changes nothing. */
  private forgetIdle(now: number): void {
    for (const [k, b] of this.buckets) if (now - b.last > 60_000) this.buckets.delete(k);
  }

  private limitsFor(session: Session): Partial<Record<QuotaKey, Limit>> {
    const user = session.principal.startsWith('User:') ? session.principal.slice(5) : session.principal;
    const client = session.clientId ?? '';
    const cacheKey = `${user}\u0000${client}`;
    const cached = this.resolved.get(cacheKey);
    if (cached !== undefined) return cached;
    const candidates: QuotaEntity[] = [
      { user, 'client-id': client }, { user, 'client-id': null }, { user },
      { user: null, 'client-id': client }, { user: null, 'client-id': null }, { user: null },
      { 'client-id': client }, { 'client-id': null },
    ];
    const out: Partial<Record<QuotaKey, Limit>> = {};
    for (const key of ['producer_byte_rate', 'consumer_byte_rate', 'request_percentage'] as const) {
      for (const c of candidates) {
        const value = this.entries.get(entityKey(c))?.values[key];
        if (value === undefined) continue;
        // The bucket is the matched entity with the real names: a default counts per user or client.
        const counted = { ...('user' in c ? { user } : {}), ...('client-id' in c ? { 'client-id': client } : {}) };
        // request_percentage: percent of one thread, i.e. value*10 thread-ms a second.
        out[key] = { rate: key === 'request_percentage' ? value * 10 : value, bucket: `${key}\u0000${entityKey(counted)}` };
        break;
      }
    }
    if (this.resolved.size > 10_000) this.resolved.clear(); // bounded: client ids are the client's choice
    this.resolved.set(cacheKey, out);
    return out;
  }
}
