// One segment: a file of whole record batches plus its sparse offset and time indexes.
// Indexes live in memory and are written to their files when the segment is sealed
// (rolled) or the log closes cleanly; after a crash they are rebuilt from the batches.
import { closeSync, fdatasync, fstatSync, ftruncateSync, openSync, readFileSync, unlinkSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { StrataError } from '../errors.js';
import { fdCache, retryOnEmfile, type CachedFile } from './fd-cache.js';
import { BatchField, readBatchHeader } from '../protocol/records/batch-layout.js';
import { walkBatches } from './batch-walk.js';
import { writeFileDurably } from './dir-sync.js';
import { readAt, writeAllAt } from './file-io.js';
import { logFileName, offsetIndexFileName, timeIndexFileName } from './names.js';
import { OffsetIndex } from './offset-index.js';
import { TimeIndex } from './time-index.js';

/** What the log knows of a batch it is about to append. */
export interface AppendInfo {
  baseOffset: number;
  lastOffset: number;
  maxTimestamp: number;
}

/** Header fields needed to walk a segment: read from the first 27 bytes of a batch. */
const WALK_HEADER_BYTES = BatchField.LAST_OFFSET_DELTA + 4;

/** Opens a file, and once more after closing cached descriptors when the process ran out. */
function openFile(path: string, flags: string): number {
  return retryOnEmfile(() => openSync(path, flags));
}

export class Segment implements CachedFile {
  /** Bytes of whole batches in the file. */
  size: number;
  /** The offset after the last batch; baseOffset when empty. */
  nextOffset: number;
  /** Largest batch maxTimestamp, -1 when empty. */
  maxTimestamp: number;
  offsetIndex: OffsetIndex;
  timeIndex: TimeIndex;
  private bytesSinceIndexEntry = 0;
  /** The open descriptor, or -1 while the cache has it closed (src/storage/fd-cache.ts). */
  private openFd: number;
  private pins = 0;
  private isClosed = false;

  private constructor(
    readonly dir: string,
    readonly baseOffset: number,
    fd: number,
    /** How the file is reopened after the cache closed it: 'r+' (the log's own) or 'r' (a view's). */
    private readonly reopenFlags: 'r+' | 'r',
    readonly createdAtMs: number,
    private readonly indexIntervalBytes: number,
  ) {
    this.size = 0;
    this.nextOffset = baseOffset;
    this.maxTimestamp = -1;
    this.offsetIndex = new OffsetIndex();
    this.timeIndex = new TimeIndex();
    this.openFd = fd;
    fdCache.opened(this);
  }

  /**
   * The file's descriptor, reopened if the cache closed it. Valid until another segment's
   * file is opened: an operation that keeps it across an await or a yield pins the segment.
   */
  get fd(): number {
    if (this.openFd >= 0) {
      fdCache.touch(this);
      return this.openFd;
    }
    if (this.isClosed) throw new StrataError('STRATA_LOG_CLOSED', `segment ${this.logPath} is closed`);
    this.openFd = openFile(this.logPath, this.reopenFlags);
    fdCache.opened(this);
    return this.openFd;
  }

  get pinned(): boolean {
    return this.pins > 0;
  }

  /** Keeps the descriptor open until the matching unpin (an fdatasync in flight). */
  pin(): void {
    this.pins++;
  }

  unpin(): void {
    this.pins--;
  }

  evictFd(): void {
    if (this.openFd < 0) return;
    closeSync(this.openFd);
    this.openFd = -1;
  }

  get logPath(): string {
    return join(this.dir, logFileName(this.baseOffset));
  }

  get offsetIndexPath(): string {
    return join(this.dir, offsetIndexFileName(this.baseOffset));
  }

  get timeIndexPath(): string {
    return join(this.dir, timeIndexFileName(this.baseOffset));
  }

  static create(dir: string, baseOffset: number, indexIntervalBytes: number, nowMs: number): Segment {
    const fd = openFile(join(dir, logFileName(baseOffset)), 'wx+');
    return new Segment(dir, baseOffset, fd, 'r+', nowMs, indexIntervalBytes);
  }

  /** Opens an existing segment file; its indexes are empty until loaded or rebuilt. */
  static open(dir: string, baseOffset: number, indexIntervalBytes: number): Segment {
    const fd = openFile(join(dir, logFileName(baseOffset)), 'r+');
    const st = fstatSync(fd);
    const seg = new Segment(dir, baseOffset, fd, 'r+', st.birthtimeMs > 0 ? st.birthtimeMs : st.mtimeMs, indexIntervalBytes);
    seg.size = st.size;
    return seg;
  }

  /**
   * Opens a segment another thread writes, for reading only (threaded mode's LogView):
   * `size` is what the writer vouches for; bytes past it are not looked at.
   */
  static openReadOnly(dir: string, baseOffset: number, size: number, indexIntervalBytes: number): Segment {
    const fd = openFile(join(dir, logFileName(baseOffset)), 'r');
    const seg = new Segment(dir, baseOffset, fd, 'r', Date.now(), indexIntervalBytes);
    seg.size = size;
    return seg;
  }

  /** Records a batch another thread appended at `position` (a read-only segment's view of it). */
  noteAppended(info: AppendInfo, position: number, size: number): void {
    this.indexBatch(info.baseOffset, info.maxTimestamp, position, size);
    this.size = position + size;
    this.nextOffset = info.lastOffset + 1;
  }

  /** Writes a patched batch at the end. On failure the file is cut back and the error rethrown. */
  append(batch: Buffer, info: AppendInfo): void {
    const position = this.size;
    try {
      writeAllAt(this.fd, batch, position);
    } catch (err) {
      // Remove any prefix that did reach the file; truncating frees space, so it works
      // on a full disk. If even this fails the caller must stop using the log.
      try {
        ftruncateSync(this.fd, position);
      } catch (truncErr) {
        throw new StrataError('STRATA_LOG_FAILED', `could not cut ${this.logPath} back after a failed write`, { cause: truncErr });
      }
      throw err;
    }
    this.indexBatch(info.baseOffset, info.maxTimestamp, position, batch.length);
    this.size = position + batch.length;
    this.nextOffset = info.lastOffset + 1;
  }

  /** Adds index entries for a batch at `position` (first batch always, then every interval). */
  private indexBatch(baseOffset: number, maxTimestamp: number, position: number, size: number): void {
    const rel = baseOffset - this.baseOffset;
    if (maxTimestamp > this.maxTimestamp) this.maxTimestamp = maxTimestamp;
    if (position === 0 || this.bytesSinceIndexEntry >= this.indexIntervalBytes) {
      this.offsetIndex.append(rel, position);
      this.timeIndex.maybeAppend(this.maxTimestamp, rel);
      this.bytesSinceIndexEntry = 0;
    }
    this.bytesSinceIndexEntry += size;
  }

  /**
   * Rebuilds indexes, size, nextOffset and maxTimestamp from the batches in the file,
   * without checking CRCs (recovery checks them separately). Stops at a torn tail.
   */
  rebuildFromFile(limit = Number.POSITIVE_INFINITY): void {
    this.offsetIndex = new OffsetIndex();
    this.timeIndex = new TimeIndex();
    this.bytesSinceIndexEntry = 0;
    this.maxTimestamp = -1;
    this.nextOffset = this.baseOffset;
    const fileSize = Math.min(fstatSync(this.fd).size, limit);
    let end = 0;
    for (const b of walkBatches(this.fd, 0, fileSize)) {
      if (!b.complete) break;
      const h = readBatchHeader(b.bytes);
      this.indexBatch(h.baseOffset, h.maxTimestamp, b.position, h.size);
      this.nextOffset = h.baseOffset + h.lastOffsetDelta + 1;
      end = b.position + h.size;
    }
    this.size = end;
  }

  /**
   * Loads the index files written when the segment was sealed. Returns false when they
   * are missing or implausible; the caller then rebuilds. The tail after the last index
   * entry is walked to find nextOffset and the final timestamps.
   */
  loadIndexes(): boolean {
    let offsetIndex: OffsetIndex | undefined;
    let timeIndex: TimeIndex | undefined;
    try {
      offsetIndex = OffsetIndex.fromBuffer(readFileSync(this.offsetIndexPath), this.size);
      timeIndex = TimeIndex.fromBuffer(readFileSync(this.timeIndexPath), 0);
    } catch {
      return false;
    }
    if (offsetIndex === undefined || timeIndex === undefined) return false;
    if (this.size > 0 && (offsetIndex.entries === 0 || timeIndex.entries === 0)) return false;
    this.offsetIndex = offsetIndex;
    this.timeIndex = timeIndex;
    this.maxTimestamp = timeIndex.lastTimestamp;
    const last = offsetIndex.last() ?? { relOffset: 0, position: 0 };
    let position = last.position;
    let next = this.baseOffset + last.relOffset;
    for (const b of walkBatches(this.fd, position, this.size)) {
      if (!b.complete) return false;
      const h = readBatchHeader(b.bytes);
      // A cleaned segment may skip offsets; going back means the index does not fit the file.
      if (h.baseOffset < next) return false;
      if (h.maxTimestamp > this.maxTimestamp) this.maxTimestamp = h.maxTimestamp;
      next = h.baseOffset + h.lastOffsetDelta + 1;
      position = b.position + h.size;
    }
    if (position !== this.size) return false;
    this.nextOffset = next;
    this.bytesSinceIndexEntry = this.size - last.position;
    return true;
  }

  /**
   * The in-memory index state as one buffer: [nextOffset, maxTimestamp, bytesSinceIndexEntry,
   * offset-index bytes] as float64, then the offset index, then the time index. How a pool
   * thread that rebuilt a segment's indexes hands them back (one transferable buffer).
   */
  indexSnapshot(): Uint8Array {
    const offsets = this.offsetIndex.toBuffer();
    const times = this.timeIndex.toBuffer();
    const out = new Uint8Array(32 + offsets.length + times.length);
    const head = new DataView(out.buffer);
    head.setFloat64(0, this.nextOffset);
    head.setFloat64(8, this.maxTimestamp);
    head.setFloat64(16, this.bytesSinceIndexEntry);
    head.setFloat64(24, offsets.length);
    out.set(offsets, 32);
    out.set(times, 32 + offsets.length);
    return out;
  }

  /** Takes index state another thread rebuilt (indexSnapshot) for this segment's `size` bytes. */
  adoptIndexSnapshot(snapshot: Uint8Array): void {
    const head = new DataView(snapshot.buffer, snapshot.byteOffset, 32);
    const offsetBytes = head.getFloat64(24);
    const buf = Buffer.from(snapshot.buffer, snapshot.byteOffset, snapshot.byteLength);
    const offsetIndex = OffsetIndex.fromBuffer(buf.subarray(32, 32 + offsetBytes), Math.max(this.size, 1));
    const timeIndex = TimeIndex.fromBuffer(buf.subarray(32 + offsetBytes), 0);
    if (offsetIndex === undefined || timeIndex === undefined) throw new StrataError('STRATA_LOG_FAILED', `rebuilt indexes of ${this.logPath} do not parse`);
    this.offsetIndex = offsetIndex;
    this.timeIndex = timeIndex;
    this.nextOffset = head.getFloat64(0);
    this.maxTimestamp = head.getFloat64(8);
    this.bytesSinceIndexEntry = head.getFloat64(16);
  }

  /** Byte position of the batch holding `offset`, or -1 when no batch holds it. */
  findBatchPosition(offset: number, limit = this.size): number {
    let position = this.offsetIndex.lookup(offset - this.baseOffset).position;
    while (position < limit) {
      const head = readAt(this.fd, position, WALK_HEADER_BYTES);
      if (head.length < WALK_HEADER_BYTES) return -1;
      const last = Number(head.readBigInt64BE(BatchField.BASE_OFFSET)) + head.readInt32BE(BatchField.LAST_OFFSET_DELTA);
      if (last >= offset) return position;
      position += head.readInt32BE(BatchField.BATCH_LENGTH) + 12;
    }
    return -1;
  }

  read(position: number, length: number): Buffer {
    return readAt(this.fd, position, Math.min(length, this.size - position));
  }

  /** Cuts the file at `position` (a batch boundary) and rebuilds the indexes. */
  truncateAt(position: number): void {
    ftruncateSync(this.fd, position);
    this.rebuildFromFile();
  }

  flush(): Promise<void> {
    const fd = this.fd;
    this.pin();
    return new Promise<void>((resolve, reject) => fdatasync(fd, (err) => (err ? reject(err) : resolve()))).finally(() => this.unpin());
  }

  /** Writes the index files and forces them to disk (at roll and clean close). */
  writeIndexes(): void {
    // The final time index entry records the segment's largest timestamp, which time
    // retention and timestamp lookups rely on after a restart.
    const lastBatch = this.offsetIndex.last();
    if (this.size > 0 && lastBatch !== undefined) {
      this.timeIndex.maybeAppend(this.maxTimestamp, this.lastBatchRelOffset());
    }
    writeFileDurably(this.offsetIndexPath, this.offsetIndex.toBuffer());
    writeFileDurably(this.timeIndexPath, this.timeIndex.toBuffer());
  }

  /** writeIndexes without blocking the event loop (a cleaned segment's, on the main thread in --inline mode). */
  async writeIndexesAsync(): Promise<void> {
    const offsets = this.offsetIndex.toBuffer();
    const times = this.timeIndex.toBuffer();
    for (const [path, data] of [[this.offsetIndexPath, offsets], [this.timeIndexPath, times]] as const) {
      const handle = await open(path, 'w');
      try {
        await handle.writeFile(data);
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
  }

  /** Relative offset of the last batch's base (walks from the last index entry). */
  private lastBatchRelOffset(): number {
    const last = this.offsetIndex.last() ?? { relOffset: 0, position: 0 };
    let rel = last.relOffset;
    for (const b of walkBatches(this.fd, last.position, this.size)) {
      if (!b.complete) break;
      rel = Number(b.bytes.readBigInt64BE(BatchField.BASE_OFFSET)) - this.baseOffset;
    }
    return rel;
  }

  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    fdCache.closed(this);
    this.evictFd();
  }

  /** Closes and removes the segment and its index files. */
  delete(): void {
    this.close();
    for (const p of [this.logPath, this.offsetIndexPath, this.timeIndexPath]) {
      try {
        unlinkSync(p);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
  }
}
