// Avro schemas through avsc: parsing (named types from references are visible to the
// schema that references them) and schema resolution as the Avro specification defines it
// (a reader reads a writer's data when avsc can build a resolver between the two).
import avro from 'avsc';
import type { Incompatibility, ParsedSchema, ResolvedReference, SchemaFormat } from './format.js';

export interface ParsedAvro extends ParsedSchema {
  readonly avroType: avro.Type;
}

/** Avro's reasons, in the words of Confluent's AvroCompatibilityChecker where avsc's message allows. */
function classify(message: string): string {
  if (/no matching field for default-less/.test(message)) return 'READER_FIELD_MISSING_DEFAULT_VALUE';
  if (/no alias found/.test(message)) return 'NAME_MISMATCH';
  // avsc says "cannot read X as Y" for every other mismatch (a missing enum symbol, a fixed size, a type).
  return 'TYPE_MISMATCH';
}

export const avroFormat: SchemaFormat<ParsedAvro> = {
  type: 'AVRO',
  parse(schema: string, references: readonly ResolvedReference[]): ParsedAvro {
    const registry: Record<string, avro.Type> = {};
    for (const ref of references) {
      if (ref.schemaType !== 'AVRO') throw new Error(`reference ${ref.name} is ${ref.schemaType}, not AVRO`);
      avro.Type.forSchema(JSON.parse(ref.schema) as avro.Schema, { registry });
    }
    const json: unknown = JSON.parse(schema);
    const avroType = avro.Type.forSchema(json as avro.Schema, { registry });
    return { type: 'AVRO', canonical: JSON.stringify(json), avroType };
  },
  incompatibilities(reader: ParsedAvro, writer: ParsedAvro): Incompatibility[] {
    try {
      reader.avroType.createResolver(writer.avroType);
      return [];
    } catch (err) {
      const message = (err as Error).message;
      return [{ type: classify(message), location: '/', message }];
    }
  },
};
