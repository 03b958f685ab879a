// A classic consumer group member's assignment as the consumer protocol encodes it
// (ConsumerProtocolAssignment: version, then topics with their partitions, then user
// data), read for the console; anything that does not parse is shown as unknown.
export function decodeConsumerAssignment(buf: Buffer): Array<{ topic: string; partitions: number[] }> | undefined {
  try {
    let at = 2; // version
    const topics = buf.readInt32BE(at);
    at += 4;
    if (topics < 0 || topics > 100_000) return undefined;
    const out: Array<{ topic: string; partitions: number[] }> = [];
    for (let i = 0; i < topics; i++) {
      const len = buf.readInt16BE(at);
      at += 2;
      const topic = buf.toString('utf8', at, at + len);
      at += len;
      const count = buf.readInt32BE(at);
      at += 4;
      if (count < 0 || at + 4 * count > buf.length) return undefined;
      const partitions: number[] = [];
      for (let j = 0; j < count; j++, at += 4) partitions.push(buf.readInt32BE(at));
      out.push({ topic, partitions });
    }
    return out;
  } catch {
    return undefined;
  }
}
