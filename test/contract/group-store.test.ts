// Runs the GroupStore contract against every implementation.
import { OffsetsStore } from '../../src/group/offsets-store.js';
import { silentLogger } from '../../src/logger.js';
import { MemoryGroupStore } from '../helpers/memory/memory-group-store.js';
import { useTmpDirs } from '../helpers/tmp.js';
import { groupStoreContract } from './group-store.contract.js';

const tmp = useTmpDirs();

groupStoreContract('memory', async () => ({ store: new MemoryGroupStore() }), { durable: false });

groupStoreContract('offsets log (__consumer_offsets-0)', async () => {
  const dataDir = tmp();
  return { store: new OffsetsStore(dataDir, silentLogger), reopen: async () => new OffsetsStore(dataDir, silentLogger) };
}, { durable: true });
