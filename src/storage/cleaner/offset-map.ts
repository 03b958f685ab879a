// The log cleaner's map from a record key to the offset of its latest record in the dirty
// part of the log. Short keys are kept as they are; longer ones as two 64-bit xxHash
// values with different seeds (128 bits, as Kafka's MD5 digests: a collision, which would
// drop a live record, is as unlikely as in Kafka). Its size is bounded by the caller
// (`maxKeys`): a pass whose dirty part holds more keys cleans only as far as the map reaches.
import { hot } from '../../native/index.js';

const INLINE_KEY_BYTES = 24;
const SEED_A = 0x51edn;
const SEED_B = 0xc0ffeen;

function mapKey(key: Buffer): string {
  if (key.length <= INLINE_KEY_BYTES) return `k${key.toString('latin1')}`;
  return `h${hot.xxhash64(key, SEED_A).toString(36)}:${hot.xxhash64(key, SEED_B).toString(36)}`;
}

export class OffsetMap {
  private readonly latest = new Map<string, number>();

  get size(): number {
    return this.latest.size;
  }

  put(key: Buffer, offset: number): void {
    this.latest.set(mapKey(key), offset);
  }

  /** The offset of the key's latest record in the dirty part, or -1 when it has none there. */
  get(key: Buffer): number {
    return this.latest.get(mapKey(key)) ?? -1;
  }
}
