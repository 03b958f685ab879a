// The transactions of one partition as its log shows them: which producers have an open
// transaction here (from their first transactional batch to their marker), which
// transactions were aborted (the aborted-transaction index read_committed fetches need),
// and the last stable offset: the first offset a read_committed reader may not see yet.
// Kept by the owner of the log (the writer thread, or the main thread in --inline mode)
// and rebuilt from the log at open, so it needs no file of its own.
import type { AbortedTransaction } from '../services/partition-store.js';

interface Completing {
  firstOffset: number;
  markerOffset: number;
}

export class PartitionTxns {
  /** Producer id → the offset of its open transaction's first batch in this partition. */
  private readonly ongoing = new Map<number, number>();
  /**
   * Transactions whose marker is written but not yet below the high watermark: their
   * records stay unstable until the marker is acknowledged, or a crash could lose the
   * marker after a reader saw the records as committed.
   */
  private completing: Completing[] = [];
  /** Aborted transactions, ordered by their marker offset. */
  private aborted: AbortedTransaction[] = [];

  get isEmpty(): boolean {
    return this.ongoing.size === 0 && this.completing.length === 0;
  }

  /** A transactional data batch was appended at `baseOffset`. */
  onData(producerId: number, baseOffset: number): void {
    if (!this.ongoing.has(producerId)) this.ongoing.set(producerId, baseOffset);
  }

  /**
   * A marker was appended at `markerOffset`. Returns the aborted transaction's first
   * offset when the marker aborted data in this partition, else -1.
   */
  onMarker(producerId: number, markerOffset: number, commit: boolean): number {
    const first = this.ongoing.get(producerId);
    if (first === undefined) return -1;
    this.ongoing.delete(producerId);
    this.completing.push({ firstOffset: first, markerOffset });
    if (commit) return -1;
    this.aborted.push({ producerId, firstOffset: first, lastOffset: markerOffset });
    return first;
  }

  /** The first offset of `producerId`'s open transaction here, or -1 (DescribeProducers). */
  openTransactionStart(producerId: number): number {
    return this.ongoing.get(producerId) ?? -1;
  }

  /** min(high watermark, first offset of any transaction not yet decided and acknowledged). */
  lastStableOffset(highWatermark: number): number {
    if (this.completing.length > 0) this.completing = this.completing.filter((c) => c.markerOffset >= highWatermark);
    let lso = highWatermark;
    for (const first of this.ongoing.values()) if (first < lso) lso = first;
    for (const c of this.completing) if (c.firstOffset < lso) lso = c.firstOffset;
    return lso;
  }

  /** Aborted transactions overlapping [from, to): what a read_committed fetch of that range must be told. */
  abortedBetween(from: number, to: number): AbortedTransaction[] {
    const out: AbortedTransaction[] = [];
    for (const a of this.aborted) if (a.lastOffset >= from && a.firstOffset < to) out.push(a);
    return out;
  }

  /** Records one aborted transaction learned elsewhere (the main thread's mirror of a writer's index). */
  addAborted(a: AbortedTransaction): void {
    this.aborted.push(a);
  }

  allAborted(): AbortedTransaction[] {
    return [...this.aborted];
  }

  /** Forgets aborted transactions that end below the log start (their records are gone). */
  trimBelow(logStartOffset: number): void {
    if (this.aborted.length > 0 && this.aborted[0]!.lastOffset < logStartOffset) this.aborted = this.aborted.filter((a) => a.lastOffset >= logStartOffset);
  }
}
