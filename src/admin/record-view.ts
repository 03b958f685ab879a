// Records as the console's message browser shows them: a value framed by a schema
// registry serializer (magic byte 0, schema id) is decoded through the registry (Avro with
// avsc, JSON Schema as the JSON after the framing); other bytes show as JSON when they
// parse, as text when they are printable UTF-8, as hex otherwise (truncated past a bound).
import avro from 'avsc';
import type { SchemaRegistryService } from '../services/schemas.js';

export interface FieldView {
  /** How the bytes were read. */
  format: 'null' | 'avro' | 'json-schema' | 'protobuf' | 'json' | 'text' | 'hex';
  /** The decoded value (JSON) or text; hex for binary. */
  value: unknown;
  bytes: number;
  schemaId?: number;
  truncated?: boolean;
}

const MAX_SHOWN_BYTES = 64 * 1024;

/** Avro types by schema id, so a page of records parses each schema once. */
export class RecordDecoder {
  private readonly avroTypes = new Map<number, Promise<avro.Type | undefined>>();

  constructor(private readonly registry: SchemaRegistryService | undefined) {}

  private avroType(id: number): Promise<avro.Type | undefined> {
    let t = this.avroTypes.get(id);
    if (t === undefined) {
      t = (async () => {
        const s = await this.registry?.schemaById(id).catch(() => undefined);
        if (s === undefined || s.schemaType !== 'AVRO') return undefined;
        try {
          return avro.Type.forSchema(JSON.parse(s.schema) as avro.Schema);
        } catch {
          return undefined;
        }
      })();
      this.avroTypes.set(id, t);
    }
    return t;
  }

  async view(bytes: Buffer | null): Promise<FieldView> {
    if (bytes === null) return { format: 'null', value: null, bytes: 0 };
    if (bytes.length >= 5 && bytes[0] === 0 && this.registry !== undefined) {
      const id = bytes.readInt32BE(1);
      const schema = await this.registry.schemaById(id).catch(() => undefined);
      if (schema !== undefined) {
        const body = bytes.subarray(5);
        if (schema.schemaType === 'AVRO') {
          const type = await this.avroType(id);
          try {
            if (type !== undefined) return { format: 'avro', value: JSON.parse(type.toString(type.fromBuffer(body))) as unknown, bytes: bytes.length, schemaId: id };
          } catch {
            // Not what the schema says: shown as bytes below.
          }
        } else if (schema.schemaType === 'JSON') {
          try {
            return { format: 'json-schema', value: JSON.parse(body.toString('utf8')) as unknown, bytes: bytes.length, schemaId: id };
          } catch {
            // Shown as bytes below.
          }
        } else {
          return { ...hex(body), format: 'protobuf', schemaId: id, bytes: bytes.length };
        }
      }
    }
    const text = bytes.toString('utf8');
    if (Buffer.byteLength(text) === bytes.length && !/[\u0000-\u0008\u000e-\u001f\ufffd]/.test(text)) {
      try {
        return { format: 'json', value: JSON.parse(text) as unknown, bytes: bytes.length };
      } catch {
        const truncated = text.length > MAX_SHOWN_BYTES;
        return { format: 'text', value: truncated ? text.slice(0, MAX_SHOWN_BYTES) : text, bytes: bytes.length, ...(truncated ? { truncated } : {}) };
      }
    }
    return hex(bytes);
  }
}

function hex(bytes: Buffer): FieldView {
  const truncated = bytes.length > MAX_SHOWN_BYTES;
  return { format: 'hex', value: bytes.subarray(0, MAX_SHOWN_BYTES).toString('hex'), bytes: bytes.length, ...(truncated ? { truncated } : {}) };
}
