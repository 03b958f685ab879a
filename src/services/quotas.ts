// Client quotas as the quota stage and the quota APIs see them. An entity is a user, a
// client id, or both; a null name is that type's default (`--entity-default`). The keys
// are Kafka's: producer_byte_rate and consumer_byte_rate (bytes a second), request_percentage
// (percent of one thread's time). Implementation: src/security/client-quotas.ts.
import type { ClientQuotaRecord } from './cluster-metadata.js';
import type { Session } from './session.js';

export type QuotaEntity = ClientQuotaRecord['entity'];

export const QUOTA_KEYS = ['producer_byte_rate', 'consumer_byte_rate', 'request_percentage'] as const;
export type QuotaKey = (typeof QUOTA_KEYS)[number];

/** DescribeClientQuotas' filter component: match type 0 a name, 1 the default, 2 any. */
export interface QuotaFilterComponent {
  entityType: string;
  matchType: number;
  match: string | null;
}

export interface ClientQuotaAdmin {
  /** Entries matching every component (and, with `strict`, naming no other entity type). */
  describe(components: QuotaFilterComponent[], strict: boolean): ClientQuotaRecord[];
  /** Sets (value) or removes (null) each key of one entity; persisted before it resolves. */
  alter(entity: QuotaEntity, changes: Record<string, number | null>): Promise<void>;
}

/** What one answered request cost, for the quotas that count it. */
export interface RequestUsage {
  apiKey: number;
  /** The request's size on the wire (produce_byte_rate counts Produce requests). */
  requestBytes: number;
  /** The response's size on the wire (consumer_byte_rate counts Fetch responses). */
  responseBytes: number;
  /** Time the broker's thread spent on it (request_percentage). */
  threadMs: number;
}

export interface QuotaEnforcer {
  /** Records a request's cost; returns how long (ms) its connection must now be muted, 0 if within quota. */
  record(session: Session, usage: RequestUsage): number;
}

/** Why Kafka would refuse this change (INVALID_REQUEST), or undefined. */
export function invalidQuotaChange(entity: Array<{ entityType: string; entityName: string | null }>, changes: Array<{ key: string; value: number; remove: boolean }>): string | undefined {
  if (entity.length === 0) return 'the quota entity is empty';
  const types = entity.map((e) => e.entityType);
  if (new Set(types).size !== types.length) return `an entity type appears twice: ${types.join(', ')}`;
  for (const t of types) {
    if (t === 'ip') return 'ip quotas (connection_creation_rate) are not supported';
    if (t !== 'user' && t !== 'client-id') return `unknown quota entity type ${t}`;
  }
  for (const c of changes) {
    if (!(QUOTA_KEYS as readonly string[]).includes(c.key)) return `unknown quota key ${c.key} (supported: ${QUOTA_KEYS.join(', ')})`;
    if (c.remove) continue;
    if (!Number.isFinite(c.value) || c.value <= 0) return `${c.key} must be positive, got ${c.value}`;
    if (c.key !== 'request_percentage' && !Number.isInteger(c.value)) return `${c.key} must be a whole number of bytes a second, got ${c.value}`;
  }
  return undefined;
}
