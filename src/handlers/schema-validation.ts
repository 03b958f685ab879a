// Schema validation on produce (Confluent Server's and Redpanda's
// confluent.value.schema.validation / confluent.key.schema.validation): each record's value
// (or key) must carry the Confluent wire framing — magic byte 0, then a 4-byte schema id —
// and the id must be registered under the topic's subject (TopicNameStrategy:
// `<topic>-value`, `<topic>-key`). Null keys and values (tombstones) carry no data to check.
// The payload after the id is not decoded: the registry vouches for the id, as in Confluent.
import type { SchemaIds } from '../services/schemas.js';
import { forEachRecordField } from '../protocol/records/record-fields.js';

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
  const checkKey = configs[KEY_VALIDATION] === 'true';
  const checkValue = configs[VALUE_VALIDATION] === 'true';
  const errors: RecordError[] = [];
  // Records of one batch nearly always share a schema id: ask the registry once per id.
  const known = { key: new Map<number, boolean | Promise<boolean>>(), value: new Map<number, boolean | Promise<boolean>>() };
  const subjects = { key: `${topic}-key`, value: `${topic}-value` };
  const pending: Array<Promise<void>> = [];
  const check = (batchIndex: number, part: 'key' | 'value', buf: Buffer, at: number, length: number): void => {
    if (length < 0) return;
    if (length < FRAMING_BYTES || buf[at] !== MAGIC_BYTE) {
      errors.push({ batchIndex, message: `the record's ${part} does not start with the schema registry framing (magic byte 0 and a schema id), which ${topic} requires` });
      return;
    }
    const id = buf.readInt32BE(at + 1);
    const subject = subjects[part];
    let ok = known[part].get(id);
    if (ok === undefined) known[part].set(id, (ok = schemas.registeredUnder(subject, id)));
    if (ok === true) return;
    const judge = (registered: boolean): void => {
      if (!registered) errors.push({ batchIndex, message: `the record's ${part} names schema id ${id}, which is not registered under subject ${subject}` });
    };
    if (ok instanceof Promise) pending.push(ok.then(judge));
    else judge(ok);
  };
  forEachRecordField(batch, maxInflatedBytes, (index, buf, keyAt, keyLength, valueAt, valueLength) => {
    if (checkKey) check(index, 'key', buf, keyAt, keyLength);
    if (checkValue) check(index, 'value', buf, valueAt, valueLength);
  });
  if (pending.length === 0) return errors;
  return Promise.all(pending).then(() => errors.sort((a, b) => a.batchIndex - b.batchIndex));
}
