// Splits a TCP byte stream into Kafka frames (4-byte big-endian length, then the
// request). The declared length is checked against socket.request.max.bytes as soon as
// its 4 bytes arrive, before any of the body is buffered.
import { MalformedFrameError } from '../protocol/primitives/malformed.js';

export class FrameTooLargeError extends MalformedFrameError {
  constructor(readonly size: number, readonly max: number) {
    super(`request of ${size} bytes exceeds socket.request.max.bytes=${max}`);
    this.name = 'FrameTooLargeError';
  }
}

export class FrameSplitter {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Length of the frame being assembled, or -1 while its prefix is incomplete. */
  private need = -1;
  /** Set once a length prefix is out of bounds: the stream cannot be resynchronised. */
  failure: FrameTooLargeError | undefined;

  constructor(private readonly maxFrameBytes: number) {}

  /** Bytes held for incomplete frames (bounded by maxFrameBytes + 4). */
  get pendingBytes(): number {
    return this.buffered;
  }

  /**
   * Feeds bytes; returns every frame completed by them (views when possible). A length
   * prefix out of bounds sets `failure`: the frames before it are still returned (they are
   * owed answers), and nothing after it ever is.
   */
  push(data: Buffer): Buffer[] {
    if (this.failure !== undefined) return [];
    this.chunks.push(data);
    this.buffered += data.length;
    const frames: Buffer[] = [];
    for (;;) {
      if (this.need < 0) {
        if (this.buffered < 4) break;
        const size = this.peekInt32();
        if (size < 0 || size > this.maxFrameBytes) {
          this.failure = new FrameTooLargeError(size, this.maxFrameBytes);
          this.chunks = [];
          this.buffered = 0;
          break;
        }
        this.need = size;
      }
      if (this.buffered < 4 + this.need) break;
      const whole = this.take(4 + this.need);
      frames.push(whole.subarray(4));
      this.need = -1;
    }
    return frames;
  }

  private peekInt32(): number {
    const first = this.chunks[0]!;
    if (first.length >= 4) return first.readInt32BE(0);
    return this.take(4, true).readInt32BE(0);
  }

  /** Removes n bytes from the front (or only looks, with peek). Copies only when a frame spans chunks. */
  private take(n: number, peek = false): Buffer {
    let first = this.chunks[0]!;
    if (first.length < n) {
      first = Buffer.concat(this.chunks, this.buffered);
      this.chunks = [first];
    }
    const out = first.subarray(0, n);
    if (!peek) {
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      this.buffered -= n;
    }
    return out;
  }
}
