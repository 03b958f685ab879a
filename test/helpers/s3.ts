// An S3-compatible server for the tier tests: s3rver (npm) started here by default, or,
// when STRATA_TEST_S3_ENDPOINT is set (CI sets it to a MinIO it built with go install),
// that server, with STRATA_TEST_S3_ACCESS_KEY / STRATA_TEST_S3_SECRET_KEY. Each call gets
// a bucket of its own.
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';

export interface TestS3 {
  port: number;
  endpoint: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  kind: 's3rver' | 'external';
  close(): Promise<void>;
}

let counter = 0;

export async function startS3(dir: string): Promise<TestS3> {
  const bucket = `strata-test-${process.pid}-${Date.now() % 1_000_000}-${counter++}`;
  const external = process.env.STRATA_TEST_S3_ENDPOINT;
  if (external !== undefined && external !== '') {
    const accessKeyId = process.env.STRATA_TEST_S3_ACCESS_KEY ?? 'minioadmin';
    const secretAccessKey = process.env.STRATA_TEST_S3_SECRET_KEY ?? 'minioadmin';
    const client = new S3Client({ endpoint: external, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId, secretAccessKey } });
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    client.destroy();
    return { port: Number(new URL(external).port), endpoint: external, bucket, accessKeyId, secretAccessKey, kind: 'external', close: async () => undefined };
  }
  const server = new S3rver({ port: 0, address: '127.0.0.1', directory: join(dir, 's3'), silent: true, configureBuckets: [{ name: bucket }] });
  const { port } = await server.run();
  return { port, endpoint: `http://127.0.0.1:${port}`, bucket, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', kind: 's3rver', close: () => server.close() };
}
