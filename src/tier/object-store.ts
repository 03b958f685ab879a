// Where closed segments go: an object store with the few operations the tier needs.
// Implementations: a local directory (the embedded default) and S3 (@aws-sdk/client-s3,
// any S3-compatible endpoint). ThrottledObjectStore wraps either with rate limits,
// retries and a circuit breaker.
export interface PutResult {
  etag: string;
}

export interface ObjectInfo {
  key: string;
  size: number;
  etag: string;
}

/** Inclusive byte range, as HTTP Range: bytes=start-end. */
export interface ByteRange {
  start: number;
  end: number;
}

export interface ObjectStore {
  put(key: string, body: Buffer): Promise<PutResult>;
  /** The object's bytes, or a range of them; throws ObjectNotFoundError when absent. */
  get(key: string, range?: ByteRange): Promise<Buffer>;
  head(key: string): Promise<ObjectInfo | undefined>;
  delete(key: string): Promise<void>;
  /** Keys under a prefix, in lexical order. */
  list(prefix: string): Promise<string[]>;
}

export type ObjectOperation = 'PUT' | 'GET' | 'DELETE' | 'LIST';

export function operationOf(method: keyof ObjectStore): ObjectOperation {
  return method === 'put' ? 'PUT' : method === 'delete' ? 'DELETE' : method === 'list' ? 'LIST' : 'GET';
}
