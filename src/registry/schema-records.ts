// The records of the `_schemas` topic, in the key/value format Confluent's Schema Registry
// writes (KafkaSchemaRegistry's SchemaKey, ConfigKey, ModeKey, DeleteSubjectKey…), so a
// registry moves between Strata and Confluent by copying the topic. Keys are written with a
// fixed field order: compaction keeps the last record per key byte-for-byte.
import type { SchemaType } from './formats/format.js';

export const SCHEMAS_TOPIC = '_schemas';

export interface SchemaReference {
  name: string;
  subject: string;
  version: number;
}

/** One version of a subject (the value of a SCHEMA key). */
export interface SchemaValue {
  subject: string;
  version: number;
  id: number;
  schemaType: SchemaType;
  references: SchemaReference[];
  schema: string;
  deleted: boolean;
}

export type RegistryRecord =
  | { kind: 'schema'; subject: string; version: number; value: SchemaValue | null }
  | { kind: 'config'; subject: string | null; compatibilityLevel: string | null }
  | { kind: 'mode'; subject: string | null; mode: string | null }
  | { kind: 'deleteSubject'; subject: string; version: number }
  | { kind: 'clearSubject'; subject: string; version: number };

export function schemaKey(subject: string, version: number): Buffer {
  return Buffer.from(`{"keytype":"SCHEMA","subject":${JSON.stringify(subject)},"version":${version},"magic":1}`);
}

export function configKey(subject: string | null): Buffer {
  return Buffer.from(`{"keytype":"CONFIG","subject":${JSON.stringify(subject)},"magic":0}`);
}

export function modeKey(subject: string | null): Buffer {
  return Buffer.from(`{"keytype":"MODE","subject":${JSON.stringify(subject)},"magic":0}`);
}

export function deleteSubjectKey(subject: string): Buffer {
  return Buffer.from(`{"keytype":"DELETE_SUBJECT","subject":${JSON.stringify(subject)},"magic":0}`);
}

export function schemaRecordValue(v: SchemaValue): Buffer {
  // Confluent leaves schemaType out for Avro and references out when there are none.
  const out: Record<string, unknown> = { subject: v.subject, version: v.version, id: v.id };
  if (v.schemaType !== 'AVRO') out.schemaType = v.schemaType;
  if (v.references.length > 0) out.references = v.references;
  out.schema = v.schema;
  out.deleted = v.deleted;
  return Buffer.from(JSON.stringify(out));
}

function parseJson(b: Buffer): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(b.toString('utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const isSchemaType = (v: unknown): v is SchemaType => v === 'AVRO' || v === 'JSON' || v === 'PROTOBUF';

/** The record a `_schemas` key and value stand for; undefined for NOOP keys and anything not understood. */
export function decodeRecord(keyBytes: Buffer | null, valueBytes: Buffer | null): RegistryRecord | undefined {
  if (keyBytes === null) return undefined;
  const key = parseJson(keyBytes);
  if (key === undefined) return undefined;
  const value = valueBytes === null ? null : (parseJson(valueBytes) ?? null);
  const subject = typeof key.subject === 'string' ? key.subject : null;
  switch (key.keytype) {
    case 'SCHEMA': {
      if (subject === null || typeof key.version !== 'number') return undefined;
      if (value === null) return { kind: 'schema', subject, version: key.version, value: null };
      if (typeof value.id !== 'number' || typeof value.schema !== 'string') return undefined;
      const schemaType = value.schemaType === undefined ? 'AVRO' : value.schemaType;
      if (!isSchemaType(schemaType)) return undefined;
      const references = Array.isArray(value.references) ? (value.references as SchemaReference[]) : [];
      return { kind: 'schema', subject, version: key.version, value: { subject, version: key.version, id: value.id, schemaType, references, schema: value.schema, deleted: value.deleted === true } };
    }
    case 'CONFIG':
      return { kind: 'config', subject, compatibilityLevel: typeof value?.compatibilityLevel === 'string' ? value.compatibilityLevel : null };
    case 'MODE':
      return { kind: 'mode', subject, mode: typeof value?.mode === 'string' ? value.mode : null };
    case 'DELETE_SUBJECT':
    case 'CLEAR_SUBJECT':
      if (subject === null || typeof value?.version !== 'number') return undefined;
      return { kind: key.keytype === 'DELETE_SUBJECT' ? 'deleteSubject' : 'clearSubject', subject, version: value.version };
    default:
      return undefined;
  }
}
