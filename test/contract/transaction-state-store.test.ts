// Runs the TransactionStateStore contract against every implementation.
import { silentLogger } from '../../src/logger.js';
import { TransactionStateLog } from '../../src/transactions/transaction-log.js';
import { MemoryTransactionStore } from '../helpers/memory/memory-transaction-store.js';
import { useTmpDirs } from '../helpers/tmp.js';
import { transactionStoreContract } from './transaction-state-store.contract.js';

const tmp = useTmpDirs();

transactionStoreContract('memory', async () => {
  const store = new MemoryTransactionStore();
  return { store, reopen: async () => store };
});

transactionStoreContract('internal log (__transaction_state-0)', async () => {
  const dataDir = tmp();
  return { store: new TransactionStateLog(dataDir, silentLogger), reopen: async () => new TransactionStateLog(dataDir, silentLogger) };
});
