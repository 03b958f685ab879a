// The per-partition manifest of uploaded segments, itself kept in the object store
// (<topicId>/<partition>/manifest.json) and read back at start. A segment is listed only
// after its objects were uploaded and confirmed, so the manifest never points at nothing.
import { segmentBaseName } from '../storage/names.js';

export const MANIFEST_VERSION = 1;

export interface RemoteSegment {
  baseOffset: number;
  /** The offset after its last batch. */
  nextOffset: number;
  size: number;
  maxTimestamp: number;
  /** xxHash64 of the segment bytes (hex) and the store's ETag, checked on upload. */
  xxhash64: string;
  etag: string;
  uploadedAt: number;
  /**
   * Aborted transactions overlapping the segment (the partition's aborted-transaction index
   * for its offsets), so read_committed readers of remote offsets learn them after a restart.
   * Absent when there are none (and in manifests written before transactions).
   */
  abortedTransactions?: Array<{ producerId: number; firstOffset: number; lastOffset: number }>;
}

export interface Manifest {
  version: number;
  topicId: string;
  partition: number;
  segments: RemoteSegment[];
}

export function partitionPrefix(topicId: string, partition: number): string {
  return `${topicId}/${partition}/`;
}

export function manifestKey(topicId: string, partition: number): string {
  return `${partitionPrefix(topicId, partition)}manifest.json`;
}

export function segmentKeys(topicId: string, partition: number, baseOffset: number): { log: string; index: string; timeIndex: string } {
  const base = partitionPrefix(topicId, partition) + segmentBaseName(baseOffset);
  return { log: `${base}.log`, index: `${base}.index`, timeIndex: `${base}.timeindex` };
}

export function emptyManifest(topicId: string, partition: number): Manifest {
  return { version: MANIFEST_VERSION, topicId, partition, segments: [] };
}

export function parseManifest(bytes: Buffer, topicId: string, partition: number): Manifest {
  const m = JSON.parse(bytes.toString('utf8')) as Manifest;
  if (m.version !== MANIFEST_VERSION || m.topicId !== topicId || m.partition !== partition || !Array.isArray(m.segments)) {
    throw new Error(`manifest for ${topicId}/${partition} is not a version ${MANIFEST_VERSION} manifest of this partition`);
  }
  return m;
}
