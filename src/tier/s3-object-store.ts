// The object store on S3 or any S3-compatible server (@aws-sdk/client-s3). Credentials
// come from the usual AWS chain (environment, shared config, instance roles). Objects
// above `multipartThreshold` are uploaded in parts. Throttling answers (503 SlowDown,
// 429, ...) become ObjectStoreThrottledError so the throttle can react to them.
import {
  AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CreateMultipartUploadCommand, DeleteObjectCommand,
  GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, UploadPartCommand,
} from '@aws-sdk/client-s3';
import type { ByteRange, ObjectInfo, ObjectStore, PutResult } from './object-store.js';
import { ObjectNotFoundError, ObjectStoreThrottledError } from './tier-errors.js';

export interface S3Options {
  bucket: string;
  /** Key prefix for everything this broker writes (e.g. "strata/cluster-1/"). */
  prefix?: string;
  endpoint?: string;
  region?: string;
  forcePathStyle?: boolean;
  /** Objects from this size on go up in parts of `partSize` (S3's minimum part is 5 MiB). */
  multipartThreshold?: number;
  partSize?: number;
  /** For tests and S3-compatible servers without the AWS credential chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Per-request timeout, so a hung connection is an error the throttle can count. */
  requestTimeoutMs?: number;
}

const THROTTLE_CODES = new Set(['SlowDown', 'Throttling', 'ThrottlingException', 'RequestLimitExceeded', 'TooManyRequestsException', 'RequestThrottled']);

function isThrottle(err: unknown): boolean {
  const e = err as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
  return THROTTLE_CODES.has(e.name ?? '') || THROTTLE_CODES.has(e.Code ?? '') || e.$metadata?.httpStatusCode === 503 || e.$metadata?.httpStatusCode === 429;
}

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NoSuchKey' || e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404;
}

export class S3ObjectStore implements ObjectStore {
  readonly client: S3Client;
  private readonly prefix: string;
  private readonly multipartThreshold: number;
  private readonly partSize: number;

  constructor(private readonly options: S3Options) {
    this.prefix = options.prefix ?? '';
    this.partSize = options.partSize ?? 8 * 1024 * 1024;
    this.multipartThreshold = options.multipartThreshold ?? 16 * 1024 * 1024;
    this.client = new S3Client({
      region: options.region ?? 'us-east-1',
      ...(options.endpoint !== undefined ? { endpoint: options.endpoint } : {}),
      forcePathStyle: options.forcePathStyle ?? false,
      ...(options.credentials !== undefined ? { credentials: options.credentials } : {}),
      // Checksums only where S3 requires them: streamed uploads with the newer default
      // store their chunk framing inside the object on some S3-compatible servers.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      // Retries belong to the throttle (it adapts its rate and counts failures).
      maxAttempts: 1,
    });
  }

  private key(k: string): string {
    return this.prefix + k;
  }

  /** Options for client.send: a per-request deadline, so a hung request fails and is retried. */
  private get sendOptions(): { abortSignal?: AbortSignal } {
    return this.options.requestTimeoutMs === undefined ? {} : { abortSignal: AbortSignal.timeout(this.options.requestTimeoutMs) };
  }

  private async call<T>(f: () => Promise<T>, key: string): Promise<T> {
    try {
      return await f();
    } catch (err) {
      if (isNotFound(err)) throw new ObjectNotFoundError(key);
      if (isThrottle(err)) throw new ObjectStoreThrottledError(`object store throttled ${key}: ${(err as Error).name}`, { cause: err });
      throw err;
    }
  }

  async put(key: string, body: Buffer): Promise<PutResult> {
    if (body.length >= this.multipartThreshold) return this.putMultipart(key, body);
    const r = await this.call(() => this.client.send(new PutObjectCommand({ Bucket: this.options.bucket, Key: this.key(key), Body: body, ContentLength: body.length }), this.sendOptions), key);
    return { etag: r.ETag ?? '' };
  }

  private async putMultipart(key: string, body: Buffer): Promise<PutResult> {
    const Bucket = this.options.bucket;
    const Key = this.key(key);
    const created = await this.call(() => this.client.send(new CreateMultipartUploadCommand({ Bucket, Key }), this.sendOptions), key);
    const UploadId = created.UploadId!;
    try {
      const parts: Array<{ ETag: string; PartNumber: number }> = [];
      for (let at = 0, n = 1; at < body.length; at += this.partSize, n++) {
        const chunk = body.subarray(at, Math.min(at + this.partSize, body.length));
        const r = await this.call(() => this.client.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: n, Body: chunk, ContentLength: chunk.length }), this.sendOptions), key);
        parts.push({ ETag: r.ETag!, PartNumber: n });
      }
      const done = await this.call(() => this.client.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: parts } }), this.sendOptions), key);
      return { etag: done.ETag ?? '' };
    } catch (err) {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId })).catch(() => undefined);
      throw err;
    }
  }

  async get(key: string, range?: ByteRange): Promise<Buffer> {
    const r = await this.call(() => this.client.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: this.key(key), ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}) }), this.sendOptions), key);
    const bytes = await r.Body!.transformToByteArray();
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const r = await this.call(() => this.client.send(new HeadObjectCommand({ Bucket: this.options.bucket, Key: this.key(key) }), this.sendOptions), key);
      return { key, size: r.ContentLength ?? 0, etag: r.ETag ?? '' };
    } catch (err) {
      if (err instanceof ObjectNotFoundError) return undefined;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    await this.call(() => this.client.send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key: this.key(key) }), this.sendOptions), key);
  }

  async list(prefix: string): Promise<string[]> {
    const out: string[] = [];
    let ContinuationToken: string | undefined;
    do {
      const r = await this.call(() => this.client.send(new ListObjectsV2Command({ Bucket: this.options.bucket, Prefix: this.key(prefix), ...(ContinuationToken ? { ContinuationToken } : {}) }), this.sendOptions), prefix);
      for (const o of r.Contents ?? []) if (o.Key) out.push(o.Key.slice(this.prefix.length));
      ContinuationToken = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (ContinuationToken !== undefined);
    return out.sort();
  }

  destroy(): void {
    this.client.destroy();
  }
}
