// Producer ids for idempotent producers: unique across restarts (and, with a shared
// metadata store, across brokers: each broker takes blocks).
export interface ProducerIdSource {
  allocate(): number | Promise<number>;
}
