// The cluster metadata of a single broker: one JSON document, <dataDir>/__strata_meta/
// cluster.json, replaced atomically (write, fsync, rename, fsync the directory) on every
// change: small, rare writes. A data directory written by an earlier release (topics
// without versions, no leaders or brokers) opens unchanged.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StrataError } from '../errors.js';
import { mkdirDurable, writeFileAtomic } from '../storage/dir-sync.js';
import { DocumentClusterMetadata, freshDocument, type MetadataDocument } from './cluster-metadata-document.js';

export const METADATA_DIR = '__strata_meta';
const FILE = 'cluster.json';

function readDocument(path: string): MetadataDocument {
  let doc: MetadataDocument;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8')) as MetadataDocument;
  } catch (err) {
    throw new StrataError('STRATA_CONFIG_INVALID', `cluster metadata ${path} is unreadable: ${(err as Error).message}`);
  }
  if (typeof doc.clusterId !== 'string' || !Array.isArray(doc.topics) || typeof doc.producerIdHighWater !== 'number') {
    throw new StrataError('STRATA_CONFIG_INVALID', `cluster metadata ${path} lacks clusterId, producerIdHighWater or topics`);
  }
  return doc;
}

/** Opens (creating on first start) the data directory's metadata store. */
export function openFileClusterMetadata(dataDir: string): DocumentClusterMetadata {
  const dir = join(dataDir, METADATA_DIR);
  mkdirDurable(dir);
  const path = join(dir, FILE);
  const persist = (doc: MetadataDocument): void => writeFileAtomic(dir, FILE, JSON.stringify(doc, null, 1));
  if (existsSync(path)) return new DocumentClusterMetadata(readDocument(path), persist);
  const doc = freshDocument();
  persist(doc);
  return new DocumentClusterMetadata(doc, persist);
}
