// Kafka's default key partitioner: murmur2 of the key bytes, made positive, modulo the
// partition count (as in the Java client's Utils.murmur2/toPositive), so `strata produce`
// puts a key where Java, librdkafka (murmur2_random) and kafkajs (default) put it.
export function murmur2(data: Uint8Array): number {
  const m = 0x5bd1e995;
  const r = 24;
  let h = (0x9747b28c ^ data.length) | 0;
  const len4 = data.length & ~3;
  for (let i = 0; i < len4; i += 4) {
    let k = (data[i]! & 0xff) | ((data[i + 1]! & 0xff) << 8) | ((data[i + 2]! & 0xff) << 16) | ((data[i + 3]! & 0xff) << 24);
    k = Math.imul(k, m);
    k ^= k >>> r;
    k = Math.imul(k, m);
    h = Math.imul(h, m);
    h ^= k;
  }
  const rest = data.length & 3;
  if (rest === 3) h ^= (data[len4 + 2]! & 0xff) << 16;
  if (rest >= 2) h ^= (data[len4 + 1]! & 0xff) << 8;
  if (rest >= 1) {
    h ^= data[len4]! & 0xff;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

export function partitionForKey(key: Uint8Array, partitions: number): number {
  return (murmur2(key) & 0x7fffffff) % partitions;
}
