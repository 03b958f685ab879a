// Transactions in cluster mode are not built yet (ADR 0011: markers must be written by each
// partition's lease holder at the coordinator's request, WriteTxnMarkers between brokers).
// Until then a transactional producer is refused at InitProducerId with a clear, non-retriable
// error instead of starting transactions that could not end.
import { KafkaError } from '../errors.js';
import type { TransactionCoordinatorService, TransactionDescription } from '../services/transactions.js';

const refused = (): KafkaError => new KafkaError('UNSUPPORTED_VERSION', 'transactions are not supported in cluster mode yet (idempotent producers are)');

export const noTransactions: TransactionCoordinatorService = {
  initProducerId: () => Promise.reject(refused()),
  addPartitions: () => Promise.reject(refused()),
  addOffsets: () => Promise.reject(refused()),
  endTransaction: () => Promise.reject(refused()),
  ensureInTransaction: () => {
    throw refused();
  },
  verifyProduce: () => {
    throw refused();
  },
  producerOf: () => undefined,
  describe: (): TransactionDescription | undefined => undefined,
  list: (): TransactionDescription[] => [],
};
