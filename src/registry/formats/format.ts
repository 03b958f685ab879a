// What the registry needs of a schema language (Avro, JSON Schema, Protobuf): parse a
// schema (with the schemas it references) into something comparable, and say what stops a
// reader schema from reading data written with a writer schema. Compatibility levels
// (BACKWARD, FORWARD, FULL…) are built from that one question in ../compatibility.ts.

export type SchemaType = 'AVRO' | 'JSON' | 'PROTOBUF';

export const SCHEMA_TYPES: readonly SchemaType[] = ['JSON', 'PROTOBUF', 'AVRO'];

/** A schema a schema references, already resolved to its text (`name` is how the schema refers to it). */
export interface ResolvedReference {
  name: string;
  schemaType: SchemaType;
  schema: string;
}

export interface ParsedSchema {
  readonly type: SchemaType;
  /** The form schemas are stored and compared in (whitespace and formatting do not make a new version). */
  readonly canonical: string;
}

/** One reason a reader cannot read a writer's data, named as Confluent names it where it can be. */
export interface Incompatibility {
  type: string;
  location: string;
  message: string;
}

export interface SchemaFormat<P extends ParsedSchema = ParsedSchema> {
  readonly type: SchemaType;
  /** Throws a message-bearing Error when the schema (or a reference) is not valid. */
  parse(schema: string, references: readonly ResolvedReference[]): P;
  /** Why `reader` cannot read data written with `writer`; empty when it can. */
  incompatibilities(reader: P, writer: P): Incompatibility[];
}
