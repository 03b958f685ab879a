// Schema validation on produce (Confluent Server's and Redpanda's
// confluent.value.schema.validation / confluent.key.schema.validation): each record's value
// (or key) must carry the Confluent wire framing — magic byte 0, then a 4-byte schema id —
// and the id must be registered under the topic's subject (TopicNameStrategy:
// `<topic>-value`, `<topic>-key`). Null keys and values (tombstones) carry no data to check.
// The payload after the id is not decoded: the registry vouches for the id, as in Confluent.
import type { SchemaIds } from '../services/schemas.js';
import { decodedRecords } from '../protocol/records/decoded-records.js';

/** The Confluent serializers' framing: magic byte 0 and a big-endian int32 schema id. */
const MAGIC_BYTE = 0;
const FRAMING_BYTES = 5;

export const VALUE_VALIDATION = 'confluent.value.schema.validation';
export const KEY_VALIDATION = 'confluent.key.schema.validation';

export interface RecordError {
  batchIndex: number;
  message: string;
}

export function validatesSchemas(configs: Readonly<Record<string, string>>): boolean {
  return configs[VALUE_VALIDATION] === 'true' || configs[KEY_VALIDATION] === 'true';
}

/** Why each offending record of `batch` fails; empty when every record passes. */
export function schemaViolations(
  schemas: SchemaIds, topic: string, configs: Readonly<Record<string, string>>, batch: Buffer, maxInflatedBytes: number,
): RecordError[] | Promise<RecordError[]> {
  const fields: Array<{ part: 'key' | 'value'; subject: string }> = [];
  if (configs[KEY_VALIDATION] === 'true') fields.push({ part: 'key', subject: `${topic}-key` });
  if (configs[VALUE_VALIDATION] === 'true') fields.push({ part: 'value', subject: `${topic}-value` });
  const errors: RecordError[] = [];
  const pending: Array<Promise<void>> = [];
  let index = 0;
  for (const record of decodedRecords(batch, 0, maxInflatedBytes)) {
    const batchIndex = index++;
    for (const { part, subject } of fields) {
      const bytes = record[part];
      if (bytes === null) continue;
      if (bytes.length < FRAMING_BYTES || bytes[0] !== MAGIC_BYTE) {
        errors.push({ batchIndex, message: `the record's ${part} does not start with the schema registry framing (magic byte 0 and a schema id), which ${topic} requires` });
        continue;
      }
      const id = bytes.readInt32BE(1);
      const known = schemas.registeredUnder(subject, id);
      const judge = (ok: boolean): void => {
        if (!ok) errors.push({ batchIndex, message: `the record's ${part} names schema id ${id}, which is not registered under subject ${subject}` });
      };
      if (known instanceof Promise) pending.push(known.then(judge));
      else judge(known);
    }
  }
  if (pending.length === 0) return errors;
  return Promise.all(pending).then(() => errors.sort((a, b) => a.batchIndex - b.batchIndex));
}
