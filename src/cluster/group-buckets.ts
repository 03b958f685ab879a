// Group coordination in cluster mode is split into buckets, each a lease (`g:<bucket>`) the
// balancer spreads like partitions, so the groups' work is shared by the brokers instead of
// one broker coordinating them all. A group's bucket is Kafka's choice of its
// __consumer_offsets partition: abs(Java's String.hashCode of the id) modulo the count.
// The count is fixed for a cluster (every broker must agree): changing it is a migration.

export const GROUP_BUCKETS = 16;

const PREFIX = 'g:';

export const bucketResource = (bucket: number): string => `${PREFIX}${bucket}`;

/** Every bucket's lease resource. */
export const BUCKET_RESOURCES: readonly string[] = Array.from({ length: GROUP_BUCKETS }, (_, b) => bucketResource(b));

/** The bucket a `g:<n>` resource names; undefined for any other resource. */
export function bucketOfResource(resource: string): number | undefined {
  if (!resource.startsWith(PREFIX)) return undefined;
  const n = Number(resource.slice(PREFIX.length));
  return Number.isInteger(n) && n >= 0 && n < GROUP_BUCKETS ? n : undefined;
}

/** The bucket of a group (or transactional) id: abs(hashCode) % GROUP_BUCKETS, as Kafka picks a partition. */
export function groupBucket(id: string): number {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (Math.imul(31, h) + id.charCodeAt(i)) | 0;
  return (h & 0x7fffffff) % GROUP_BUCKETS;
}
