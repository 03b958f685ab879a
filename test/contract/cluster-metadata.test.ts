// Runs the ClusterMetadataStore contract against every implementation.
import { memoryClusterMetadata } from '../../src/broker/cluster-metadata-document.js';
import { openFileClusterMetadata } from '../../src/broker/file-cluster-metadata.js';
import { useTmpDirs } from '../helpers/tmp.js';
import { clusterMetadataContract } from './cluster-metadata.contract.js';

const tmp = useTmpDirs();

clusterMetadataContract('memory', async () => ({ store: memoryClusterMetadata() }), { durable: false });

clusterMetadataContract('file (cluster.json)', async () => {
  const dataDir = tmp();
  return { store: openFileClusterMetadata(dataDir), reopen: async () => openFileClusterMetadata(dataDir) };
}, { durable: true });
