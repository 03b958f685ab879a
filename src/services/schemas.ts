// What the produce handler asks of the schema registry when a topic validates records
// (confluent.value.schema.validation / confluent.key.schema.validation): is this schema id
// registered under this subject? Implementation: src/registry (its `_schemas` state).

export interface SchemaIds {
  /** Synchronous when the registry's state is current; a promise when it must read its log first. */
  registeredUnder(subject: string, id: number): boolean | Promise<boolean>;
}

export type SchemaTypeName = 'AVRO' | 'JSON' | 'PROTOBUF';

export interface SchemaVersionView {
  subject: string;
  version: number;
  id: number;
  schemaType: SchemaTypeName;
  schema: string;
  references: Array<{ name: string; subject: string; version: number }>;
  deleted: boolean;
}

export interface SchemaInputView {
  schema: string;
  schemaType: SchemaTypeName;
  references: Array<{ name: string; subject: string; version: number }>;
}

/**
 * The schema registry as the admin API (and so the console) uses it. Errors carry `status`
 * (HTTP) and `errorCode` (Confluent's code) properties.
 */
export interface SchemaRegistryService extends SchemaIds {
  subjectsList(options?: { prefix?: string; deleted?: boolean }): Promise<string[]>;
  versions(subject: string, deleted: boolean): Promise<number[]>;
  version(subject: string, version: string, deleted: boolean): Promise<SchemaVersionView>;
  schemaById(id: number): Promise<SchemaInputView & { id: number }>;
  register(subject: string, input: SchemaInputView): Promise<{ id: number; version: number }>;
  checkCompatibility(subject: string, version: string | undefined, input: SchemaInputView): Promise<{ compatible: boolean; messages: string[] }>;
  compatibility(subject: string | null, defaultToGlobal: boolean): Promise<string>;
  deleteSubject(subject: string, permanent: boolean): Promise<number[]>;
  deleteVersion(subject: string, version: string, permanent: boolean): Promise<number>;
}
