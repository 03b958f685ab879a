// What the produce handler asks of the schema registry when a topic validates records
// (confluent.value.schema.validation / confluent.key.schema.validation): is this schema id
// registered under this subject? Implementation: src/registry (its `_schemas` state).

export interface SchemaIds {
  /** Synchronous when the registry's state is current; a promise when it must read its log first. */
  registeredUnder(subject: string, id: number): boolean | Promise<boolean>;
}
