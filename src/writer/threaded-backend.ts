// A partition whose log a writer thread owns: produce goes through the writer's ring,
// reads go to the main thread's LogView, and the rest (retention, config, close) are
// control requests on the same ring, so they are ordered with the appends.
import { KafkaError } from '../errors.js';
import type { PartitionBackend, ProduceOutcome } from '../broker/partition.js';
import type { AbortedTransaction, ActiveProducer } from '../services/partition-store.js';
import { PartitionTxns } from '../broker/partition-txns.js';
import type { CleanPlan } from '../storage/cleaner/clean-pass.js';
import type { LogConfig } from '../config/log-config.js';
import { LogView, type WriterLogState } from '../storage/log-view.js';
import type { RecoveryReport } from '../storage/recovery.js';
import type { LogWriterThread, ProducedFields, WriterClient } from './log-writer-thread.js';

interface OpenReply {
  sizes: Array<{ baseOffset: number; size: number }>;
  state: WriterLogState;
  recovery: RecoveryReport;
  indexIntervalBytes: number;
  /** The aborted transactions the writer found in the log. */
  aborted: AbortedTransaction[];
}

export type IndexRebuilder = (dir: string, baseOffset: number, size: number, indexIntervalBytes: number) => Promise<Uint8Array>;

interface StateReply {
  removed?: number;
  state: WriterLogState;
}

export class ThreadedBackend implements PartitionBackend, WriterClient {
  onProgress: () => void = () => undefined;
  private gone = false;
  /** The writer's last stable offset, from its completions (the writer owns the transactions). */
  private lso: number;
  /** A mirror of the writer's aborted-transaction index: fetches read it on this thread. */
  private aborted = new PartitionTxns();

  constructor(
    private readonly writer: LogWriterThread,
    private readonly slot: number,
    private readonly dir: string,
    public config: LogConfig,
    private view: LogView,
    private readonly onRecovered: (report: RecoveryReport) => void,
    private readonly rebuildIndexes: IndexRebuilder,
  ) {
    writer.clients.set(slot, this);
    this.lso = view.highWatermark;
    // Sent now, served before any produce that follows it on the ring.
    writer.control<OpenReply>(slot, { cmd: 'open', dir, config: { ...config } }).then((reply) => {
      for (const a of reply.aborted) this.aborted.addAborted(a);
      // Completions of produces after the open may have been applied before this callback runs: never go back.
      this.lso = Math.max(this.lso, reply.state.lastStableOffset ?? reply.state.highWatermark);
    }).catch((err: unknown) => {
      writer.logger.error({ err, dir, writer: writer.id }, 'the log writer could not open the log; produce to it fails until the broker restarts');
    });
  }

  get log(): LogView {
    return this.view;
  }

  get lastStableOffset(): number {
    return Math.min(this.lso, this.view.highWatermark);
  }

  abortedBetween(from: number, to: number): AbortedTransaction[] {
    return this.aborted.abortedBetween(from, to);
  }

  async produce(batch: Buffer): Promise<ProduceOutcome> {
    if (this.view.offline) throw new KafkaError('KAFKA_STORAGE_ERROR', `${this.dir} is being recovered after its log writer stopped; retry`);
    const f = await this.writer.produce(this.slot, batch);
    return { baseOffset: f.baseOffset, lastOffset: f.lastOffset, logAppendTime: f.logAppendTime, logStartOffset: f.logStartOffset, duplicate: f.duplicate, abortedFirstOffset: f.abortedFirstOffset, abortedProducerId: f.abortedProducerId };
  }

  onProduced(f: ProducedFields): void {
    if (f.abortedFirstOffset >= 0) this.aborted.addAborted({ producerId: f.abortedProducerId, firstOffset: f.abortedFirstOffset, lastOffset: f.baseOffset });
    if (f.lastStableOffset > this.lso) this.lso = f.lastStableOffset;
    const state = { highWatermark: f.highWatermark, logStartOffset: f.logStartOffset, flushedOffset: f.flushedOffset };
    if (f.duplicate || f.segmentBase < 0) this.view.applyState(state);
    else this.view.applyAppend({ segmentBase: f.segmentBase, position: f.position, size: f.size, maxTimestamp: f.maxTimestamp }, f.baseOffset, f.lastOffset, state);
    this.onProgress();
  }

  onState(state: unknown): void {
    this.applyWriterState(state as WriterLogState);
    this.onProgress();
  }

  private applyWriterState(state: WriterLogState): void {
    this.view.applyState(state);
    if (state.lastStableOffset !== undefined && state.lastStableOffset > this.lso) this.lso = state.lastStableOffset;
  }

  onWriterLost(): void {
    this.view.offline = true;
    this.onProgress();
  }

  /** Opens the log on the replacement thread (which recovers it), then a fresh view of it. */
  async reopen(): Promise<void> {
    if (this.gone) return;
    const reply = await this.writer.control<OpenReply>(this.slot, { cmd: 'open', dir: this.dir, config: { ...this.config } });
    this.onRecovered(reply.recovery);
    const old = this.view;
    // The new writer's recovery wrote index files; any it could not are rebuilt on the CPU pool.
    this.view = await LogView.openWith(this.dir, reply.sizes, reply.indexIntervalBytes, reply.state, this.rebuildIndexes);
    this.aborted = new PartitionTxns();
    for (const a of reply.aborted) this.aborted.addAborted(a);
    this.lso = reply.state.lastStableOffset ?? reply.state.highWatermark;
    old.close();
    this.onProgress();
  }

  private async stateCommand(command: Parameters<LogWriterThread['control']>[1]): Promise<number> {
    const reply = await this.writer.control<StateReply>(this.slot, command);
    this.applyWriterState(reply.state);
    this.onProgress();
    return reply.removed ?? 0;
  }

  async applyRetention(now: number): Promise<number> {
    const removed = await this.stateCommand({ cmd: 'retention', now });
    this.aborted.trimBelow(this.view.logStartOffset);
    return removed;
  }

  deleteSegmentsBelow(offset: number): Promise<number> {
    return this.stateCommand({ cmd: 'deleteBelow', offset });
  }

  /** Asked of the writer thread, which owns the producer state (ordered after earlier appends). */
  activeProducers(): Promise<ActiveProducer[]> {
    return this.writer.control<ActiveProducer[]>(this.slot, { cmd: 'producers' });
  }

  /**
   * The writer swaps the files; this view holds the old ones open meanwhile and then
   * takes the new ones (cleaner-swap.ts).
   */
  async installCleaned(plan: CleanPlan): Promise<boolean> {
    const bases = plan.groups.flatMap((g) => g.replaced.map((r) => r.baseOffset));
    this.view.holdOpen(bases);
    let installed = false;
    try {
      installed = (await this.writer.control<{ installed: boolean }>(this.slot, { cmd: 'installCleaned', plan })).installed;
    } finally {
      if (installed) this.view.replaceSegments(plan.groups.map((g) => ({ base: g.base, replaced: g.replaced.map((r) => r.baseOffset), size: g.size, index: g.index })));
      else this.view.release(bases);
    }
    this.onProgress();
    return installed;
  }

  async reconfigure(config: Partial<LogConfig>): Promise<void> {
    this.config = { ...this.config, ...config };
    await this.stateCommand({ cmd: 'reconfigure', config: { ...config } });
  }

  async close(): Promise<void> {
    this.gone = true;
    try {
      await this.writer.control(this.slot, { cmd: 'close' });
    } finally {
      this.writer.clients.delete(this.slot);
      this.view.close();
    }
  }

  async delete(): Promise<void> {
    this.gone = true;
    this.writer.clients.delete(this.slot);
    this.view.close();
    await this.writer.control(this.slot, { cmd: 'delete' });
  }
}
