// The transaction coordinator (Kafka's TransactionCoordinator, for one broker): per
// transactional id a producer id and epoch, the partitions and groups of the open
// transaction, and its state, written to the state store before any answer depends on it.
// Ending a transaction is two-phase: PrepareCommit/PrepareAbort is stored, the markers are
// written to every partition (and the group offsets applied), then CompleteCommit/
// CompleteAbort. A restart finishes what was prepared; an Ongoing transaction older than its
// timeout is aborted with the epoch bumped, so its producer is fenced. Requests for one
// transactional id run one at a time.
import { KafkaError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Clock } from '../services/clock.js';
import type { PartitionStore } from '../services/partition-store.js';
import type { ProducerIdSource } from '../services/producer-ids.js';
import type {
  InitProducerIdInput, TopicPartitionRef, TransactionCoordinatorService, TransactionDescription, TransactionRecord, TransactionStateName, TransactionStateStore,
} from '../services/transactions.js';

/** Where group offsets committed in a transaction become visible (or are dropped). */
export interface TransactionalOffsets {
  completeTransaction(producerId: number, commit: boolean): Promise<void>;
}

export interface TransactionCoordinatorOptions {
  /** transaction.max.timeout.ms: the longest timeout a producer may ask for. */
  maxTimeoutMs: number;
  /** How often timed-out transactions are looked for (transaction.abort.timed.out.transaction.cleanup.interval.ms). */
  abortCheckIntervalMs: number;
  /** Pause between attempts to write a marker that failed (the partition's storage was unavailable). */
  markerRetryMs?: number;
  /** transactional.id.expiration.ms: an id idle this long with no open transaction is forgotten (default 7 days). */
  idExpirationMs?: number;
}

/** Epochs are int16; at the last one a producer gets a new id (Kafka does the same). */
const MAX_EPOCH = 32766;
/** One broker: coordinator epochs never change. */
const COORDINATOR_EPOCH = 0;

const keyOf = (topic: string, partition: number): string => `${topic}\u0000${partition}`;
const refOf = (key: string): TopicPartitionRef => {
  const at = key.lastIndexOf('\u0000');
  return { topic: key.slice(0, at), partition: Number(key.slice(at + 1)) };
};

export class TransactionCoordinator implements TransactionCoordinatorService {
  private readonly txns = new Map<string, TransactionRecord>();
  private readonly locks = new Map<string, Promise<unknown>>();
  /** Produce v12 adds in flight, per transactional id and partition (ensureInTransaction). */
  private readonly pendingAdds = new Map<string, Promise<void>>();
  private readonly timer: NodeJS.Timeout;
  private closed = false;
  /** Markers still being written (recovery, timeouts), awaited by close. */
  private readonly background = new Set<Promise<unknown>>();

  constructor(
    private readonly store: TransactionStateStore,
    private readonly partitionOf: (topic: string, partition: number) => PartitionStore | undefined,
    private readonly offsets: TransactionalOffsets,
    private readonly producerIds: ProducerIdSource,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly options: TransactionCoordinatorOptions,
  ) {
    for (const r of store.load()) this.txns.set(r.transactionalId, r);
    this.timer = setInterval(() => {
      this.abortTimedOut();
      this.expireIdle();
    }, options.abortCheckIntervalMs);
    this.timer.unref();
  }

  /** Finishes the transactions a crash left prepared (markers written again: they are idempotent for readers). */
  recover(): Promise<void> {
    const prepared = [...this.txns.values()].filter((t) => t.state === 'PrepareCommit' || t.state === 'PrepareAbort' || t.state === 'PrepareEpochFence');
    if (prepared.length > 0) this.logger.info({ transactions: prepared.length }, 'finishing transactions prepared before the restart');
    return Promise.all(prepared.map((t) => this.track(this.locked(t.transactionalId, () => this.complete(t.transactionalId, t.state === 'PrepareCommit'))))).then(() => undefined);
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.background.add(p);
    const done = (): void => {
      this.background.delete(p);
    };
    p.then(done, done);
    return p;
  }

  /** Runs `fn` after every earlier request for the same transactional id. */
  private locked<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const before = this.locks.get(id) ?? Promise.resolve();
    const run = before.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.locks.set(id, tail);
    void tail.then(() => {
      if (this.locks.get(id) === tail) this.locks.delete(id);
    });
    return run;
  }

  private async save(next: TransactionRecord): Promise<void> {
    await this.store.write(next.transactionalId, next);
    this.txns.set(next.transactionalId, next);
  }

  initProducerId(input: InitProducerIdInput): Promise<{ producerId: number; producerEpoch: number }> {
    const { transactionalId: id, transactionTimeoutMs: timeoutMs } = input;
    if (id === '') return Promise.reject(new KafkaError('INVALID_REQUEST', 'the transactional id is empty'));
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0 || timeoutMs > this.options.maxTimeoutMs) {
      return Promise.reject(new KafkaError('INVALID_TRANSACTION_TIMEOUT', `transaction.timeout.ms ${timeoutMs} is not within (0, ${this.options.maxTimeoutMs}] (transaction.max.timeout.ms)`));
    }
    return this.locked(id, async () => {
      const now = this.clock.now();
      let t = this.txns.get(id);
      if (t === undefined) {
        const producerId = await this.producerIds.allocate();
        const created: TransactionRecord = {
          transactionalId: id, producerId, previousProducerId: -1, producerEpoch: 0, lastProducerEpoch: -1, timeoutMs,
          state: 'Empty', partitions: [], groups: [], startTimeMs: -1, updateTimeMs: now,
        };
        await this.save(created);
        return { producerId, producerEpoch: 0 };
      }
      if (input.producerId >= 0) {
        // KIP-360: a producer that knows its id asks for a bump; a retry of a bump that was done is answered again.
        const current = input.producerId === t.producerId && input.producerEpoch === t.producerEpoch;
        const retried = (input.producerId === t.producerId && input.producerEpoch === t.lastProducerEpoch)
          || (input.producerId === t.previousProducerId && t.producerEpoch === 0);
        if (retried && (t.state === 'Empty' || t.state === 'CompleteAbort' || t.state === 'CompleteCommit')) return { producerId: t.producerId, producerEpoch: t.producerEpoch };
        if (!current) throw new KafkaError('PRODUCER_FENCED', `producer ${input.producerId} epoch ${input.producerEpoch} is not the current one of ${id}`);
      }
      if (t.state === 'Ongoing') {
        // The previous producer's transaction is aborted, and that producer fenced, first.
        await this.abortWithFence(id);
        t = this.txns.get(id)!;
      } else if (t.state === 'PrepareCommit' || t.state === 'PrepareAbort' || t.state === 'PrepareEpochFence') {
        await this.complete(id, t.state === 'PrepareCommit');
        t = this.txns.get(id)!;
      }
      const exhausted = t.producerEpoch >= MAX_EPOCH;
      const producerId = exhausted ? await this.producerIds.allocate() : t.producerId;
      const next: TransactionRecord = {
        ...t,
        producerId,
        previousProducerId: exhausted ? t.producerId : t.previousProducerId,
        producerEpoch: exhausted ? 0 : t.producerEpoch + 1,
        lastProducerEpoch: exhausted ? -1 : t.producerEpoch,
        timeoutMs,
        state: 'Empty',
        partitions: [],
        groups: [],
        startTimeMs: -1,
        updateTimeMs: now,
      };
      await this.save(next);
      return { producerId: next.producerId, producerEpoch: next.producerEpoch };
    });
  }

  /** The transactional id's record, checked to be this producer's at this epoch (INVALID_PRODUCER_ID_MAPPING, PRODUCER_FENCED). */
  private owned(id: string, producerId: number, producerEpoch: number): TransactionRecord {
    const t = this.txns.get(id);
    if (t === undefined || t.producerId !== producerId) throw new KafkaError('INVALID_PRODUCER_ID_MAPPING', `producer ${producerId} is not the producer of transactional id ${id}`);
    if (t.producerEpoch !== producerEpoch) throw new KafkaError('PRODUCER_FENCED', `epoch ${producerEpoch} of ${id} was fenced by epoch ${t.producerEpoch}`);
    return t;
  }

  /** The transaction, checked to belong to this producer at this epoch, and not in the middle of ending. */
  private current(id: string, producerId: number, producerEpoch: number): TransactionRecord {
    const t = this.owned(id, producerId, producerEpoch);
    if (t.state === 'PrepareCommit' || t.state === 'PrepareAbort' || t.state === 'PrepareEpochFence') throw new KafkaError('CONCURRENT_TRANSACTIONS', `the previous transaction of ${id} is still ending`);
    return t;
  }

  addPartitions(id: string, producerId: number, producerEpoch: number, partitions: TopicPartitionRef[], verifyOnly: boolean): Promise<void> {
    return this.locked(id, async () => {
      const t = this.current(id, producerId, producerEpoch);
      const keys = partitions.map((p) => keyOf(p.topic, p.partition));
      const missing = keys.filter((k) => !t.partitions.includes(k));
      if (verifyOnly) {
        if (t.state !== 'Ongoing' || missing.length > 0) throw new KafkaError('INVALID_TXN_STATE', `partitions are not in the transaction of ${id}`);
        return;
      }
      if (t.state === 'Ongoing' && missing.length === 0) return;
      await this.save(this.opened(t, { partitions: [...t.partitions, ...missing] }));
    });
  }

  addOffsets(id: string, producerId: number, producerEpoch: number, groupId: string): Promise<void> {
    return this.locked(id, async () => {
      const t = this.current(id, producerId, producerEpoch);
      if (t.state === 'Ongoing' && t.groups.includes(groupId)) return;
      await this.save(this.opened(t, { groups: t.groups.includes(groupId) ? t.groups : [...t.groups, groupId] }));
    });
  }

  /** The record with the transaction open (started now if it was not). */
  private opened(t: TransactionRecord, change: Partial<TransactionRecord>): TransactionRecord {
    const now = this.clock.now();
    const fresh = t.state !== 'Ongoing';
    return {
      ...t,
      partitions: fresh ? [] : t.partitions,
      groups: fresh ? [] : t.groups,
      ...change,
      state: 'Ongoing',
      startTimeMs: fresh ? now : t.startTimeMs,
      updateTimeMs: now,
    };
  }

  endTransaction(id: string, producerId: number, producerEpoch: number, commit: boolean, bumpEpoch = false): Promise<{ producerId: number; producerEpoch: number }> {
    return this.locked(id, async () => {
      if (bumpEpoch) return this.endWithEpochBump(id, this.txns.get(id), producerId, producerEpoch, commit);
      const t = this.owned(id, producerId, producerEpoch);
      const done = { producerId: t.producerId, producerEpoch: t.producerEpoch };
      switch (t.state) {
        case 'Ongoing':
          await this.save({ ...t, state: commit ? 'PrepareCommit' : 'PrepareAbort', updateTimeMs: this.clock.now() });
          await this.complete(id, commit);
          return done;
        case 'CompleteCommit':
        case 'CompleteAbort':
          // A retry of the EndTxn that ended it is answered again; the other outcome is not possible any more.
          if ((t.state === 'CompleteCommit') === commit) return done;
          throw new KafkaError('INVALID_TXN_STATE', `the transaction of ${id} already ${t.state === 'CompleteCommit' ? 'committed' : 'aborted'}`);
        case 'Empty':
          // A producer that wrote nothing may still end its (empty) transaction: Kafka answers INVALID_TXN_STATE.
          throw new KafkaError('INVALID_TXN_STATE', `${id} has no open transaction`);
        default:
          throw new KafkaError('CONCURRENT_TRANSACTIONS', `the transaction of ${id} is ${t.state}`);
      }
    });
  }

  /**
   * Transaction version 2 (KIP-890 part 2), as Kafka's coordinator: every end bumps the epoch
   * (a new producer id when it runs out), the markers carry the new epoch, and a retry is
   * recognised by its epoch being one below the stored one. An abort of an empty or ended
   * transaction is allowed (and bumps too); a second commit is not.
   */
  private async endWithEpochBump(id: string, t: TransactionRecord | undefined, producerId: number, producerEpoch: number, commit: boolean): Promise<{ producerId: number; producerEpoch: number }> {
    if (t === undefined) throw new KafkaError('INVALID_PRODUCER_ID_MAPPING', `no transactional id ${id}`);
    const retryOnOverflow = t.previousProducerId === producerId && producerEpoch >= MAX_EPOCH && t.producerEpoch === 0;
    const retry = (t.producerId === producerId && t.producerEpoch === producerEpoch + 1) || retryOnOverflow;
    if (t.producerId !== producerId && !retryOnOverflow) throw new KafkaError('INVALID_PRODUCER_ID_MAPPING', `producer ${producerId} is not the producer of transactional id ${id}`);
    const ended = t.state === 'CompleteCommit' || t.state === 'CompleteAbort';
    const validEpoch = t.state === 'Ongoing' || t.state === 'Empty' ? producerEpoch === t.producerEpoch
      : ended ? retry || producerEpoch === t.producerEpoch
        : retry;
    if (!validEpoch) throw new KafkaError('PRODUCER_FENCED', `epoch ${producerEpoch} of ${id} is not the current epoch ${t.producerEpoch}`);
    const current = { producerId: t.producerId, producerEpoch: t.producerEpoch };
    const invalid = (): never => {
      throw new KafkaError('INVALID_TXN_STATE', `cannot ${commit ? 'commit' : 'abort'} the transaction of ${id} in state ${t.state}`);
    };
    switch (t.state) {
      case 'Ongoing':
        return this.bumpAndEnd(id, commit);
      case 'CompleteCommit':
        if (commit) return retry ? current : invalid();
        return retry ? invalid() : this.bumpAndEnd(id, false);
      case 'CompleteAbort':
        if (!commit) return retry ? current : this.bumpAndEnd(id, false);
        return invalid();
      case 'Empty':
        return commit ? invalid() : this.bumpAndEnd(id, false);
      default:
        throw new KafkaError('CONCURRENT_TRANSACTIONS', `the transaction of ${id} is ${t.state}`);
    }
  }

  /** Prepares the end with the epoch one higher (or a new producer id at the last epoch), then completes it. */
  private async bumpAndEnd(id: string, commit: boolean): Promise<{ producerId: number; producerEpoch: number }> {
    const t = this.txns.get(id)!;
    const exhausted = t.producerEpoch >= MAX_EPOCH - 1;
    // Markers go out under the old producer id at the bumped epoch; the producer continues under the new id.
    await this.save({
      ...t, state: commit ? 'PrepareCommit' : 'PrepareAbort', producerEpoch: t.producerEpoch + 1, lastProducerEpoch: t.producerEpoch, updateTimeMs: this.clock.now(),
    });
    await this.complete(id, commit);
    if (exhausted) {
      const fresh = await this.producerIds.allocate();
      const after = this.txns.get(id)!;
      await this.save({ ...after, producerId: fresh, previousProducerId: after.producerId, producerEpoch: 0, lastProducerEpoch: -1, updateTimeMs: this.clock.now() });
    }
    const now = this.txns.get(id)!;
    return { producerId: now.producerId, producerEpoch: now.producerEpoch };
  }

  /**
   * Writes to one partition must reach its log in the order they arrived: while an add for the
   * partition is pending, later writes wait behind it even if the partition joined meanwhile
   * (else a write that found it added would overtake earlier ones still waiting: a sequence gap).
   */
  ensureInTransaction(id: string, producerId: number, producerEpoch: number, topic: string, partition: number): void | Promise<void> {
    const key = `${id}\u0000${keyOf(topic, partition)}`;
    const pending = this.pendingAdds.get(key);
    const inIt = (): boolean => {
      const t = this.txns.get(id);
      return t !== undefined && t.producerId === producerId && t.producerEpoch === producerEpoch && t.state === 'Ongoing' && t.partitions.includes(keyOf(topic, partition));
    };
    if (pending === undefined && inIt()) return undefined;
    // After the pending add (whether it failed or not), add only if the partition is not in yet.
    const add = (): Promise<void> | undefined => (inIt() ? undefined : this.addPartitions(id, producerId, producerEpoch, [{ topic, partition }], false));
    const added = (pending ?? Promise.resolve()).then(add, add);
    this.pendingAdds.set(key, added);
    const forget = (): void => {
      if (this.pendingAdds.get(key) === added) this.pendingAdds.delete(key);
    };
    added.then(forget, forget);
    return added;
  }

  /**
   * Writes the markers of a prepared transaction to all its partitions, applies or drops
   * its group offsets, then stores Complete*. Retries markers whose partition is unavailable.
   */
  private async complete(id: string, commit: boolean): Promise<void> {
    const t = this.txns.get(id)!;
    const marker = { producerId: t.producerId, producerEpoch: t.producerEpoch, commit, coordinatorEpoch: COORDINATOR_EPOCH };
    await Promise.all(t.partitions.map((key) => this.writeMarker(key, marker)));
    if (t.groups.length > 0) await this.offsets.completeTransaction(t.producerId, commit);
    await this.save({ ...t, state: commit ? 'CompleteCommit' : 'CompleteAbort', partitions: [], groups: [], updateTimeMs: this.clock.now() });
  }

  private async writeMarker(key: string, marker: Parameters<PartitionStore['writeMarker']>[0]): Promise<void> {
    const { topic, partition } = refOf(key);
    for (let attempt = 1; ; attempt++) {
      const store = this.partitionOf(topic, partition);
      if (store === undefined) return; // the topic was deleted: nothing left to end
      try {
        await store.writeMarker(marker);
        return;
      } catch (err) {
        if (err instanceof KafkaError && err.errorName === 'INVALID_PRODUCER_EPOCH') {
          // A newer epoch already wrote here: this transaction's outcome there is already decided.
          this.logger.warn({ topic, partition, producerId: marker.producerId }, 'transaction marker fenced by a newer epoch');
          return;
        }
        if (this.closed) throw err;
        if (attempt === 1 || attempt % 50 === 0) this.logger.warn({ err, topic, partition, attempt }, 'could not write a transaction marker; retrying');
        await new Promise((resolve) => setTimeout(resolve, this.options.markerRetryMs ?? 100));
      }
    }
  }

  /** Aborts the open transaction of `id` with the epoch bumped: the producer that opened it is fenced. */
  private async abortWithFence(id: string): Promise<void> {
    const t = this.txns.get(id)!;
    if (t.producerEpoch >= MAX_EPOCH) {
      // No epoch left to fence with: the abort is written at the current one (Kafka does the same).
      await this.save({ ...t, state: 'PrepareAbort', updateTimeMs: this.clock.now() });
    } else {
      await this.save({ ...t, state: 'PrepareAbort', producerEpoch: t.producerEpoch + 1, lastProducerEpoch: t.producerEpoch, updateTimeMs: this.clock.now() });
    }
    await this.complete(id, false);
  }

  private abortTimedOut(): void {
    const now = this.clock.now();
    for (const t of this.txns.values()) {
      if (t.state !== 'Ongoing' || t.startTimeMs < 0 || now - t.startTimeMs <= t.timeoutMs) continue;
      const id = t.transactionalId;
      this.logger.info({ transactionalId: id, producerId: t.producerId, ageMs: now - t.startTimeMs }, 'aborting a transaction past its timeout');
      void this.track(this.locked(id, async () => {
        // Still the same open transaction (a commit may have been queued first)?
        const still = this.txns.get(id);
        if (still?.state === 'Ongoing' && still.startTimeMs === t.startTimeMs) await this.abortWithFence(id);
      })).catch((err: unknown) => this.logger.error({ err, transactionalId: id }, 'could not abort a timed-out transaction'));
    }
  }

  /** Forgets transactional ids idle past transactional.id.expiration.ms with nothing open (a tombstone in the log). */
  private expireIdle(): void {
    const now = this.clock.now();
    const maxIdle = this.options.idExpirationMs ?? 7 * 24 * 3600 * 1000;
    for (const t of this.txns.values()) {
      const idle = t.state === 'Empty' || t.state === 'CompleteCommit' || t.state === 'CompleteAbort';
      if (!idle || now - t.updateTimeMs <= maxIdle) continue;
      const id = t.transactionalId;
      void this.track(this.locked(id, async () => {
        const still = this.txns.get(id);
        if (still === undefined || still.updateTimeMs !== t.updateTimeMs) return;
        await this.store.write(id, null);
        this.txns.delete(id);
        this.logger.info({ transactionalId: id, producerId: t.producerId }, 'transactional id expired');
      })).catch((err: unknown) => this.logger.error({ err, transactionalId: id }, 'could not expire a transactional id'));
    }
  }

  verifyProduce(id: string, producerId: number, producerEpoch: number, topic: string, partition: number): void {
    const t = this.txns.get(id);
    if (t === undefined || t.producerId !== producerId) throw new KafkaError('INVALID_PRODUCER_ID_MAPPING', `producer ${producerId} is not the producer of transactional id ${id}`);
    if (producerEpoch < t.producerEpoch) throw new KafkaError('INVALID_PRODUCER_EPOCH', `epoch ${producerEpoch} of ${id} was fenced by epoch ${t.producerEpoch}`);
    if (t.state !== 'Ongoing' || !t.partitions.includes(keyOf(topic, partition))) {
      throw new KafkaError('INVALID_TXN_STATE', `partition ${topic}-${partition} was not added to the transaction of ${id}`);
    }
  }

  producerOf(id: string): { producerId: number; producerEpoch: number; groups: readonly string[]; state: TransactionStateName } | undefined {
    const t = this.txns.get(id);
    return t === undefined ? undefined : { producerId: t.producerId, producerEpoch: t.producerEpoch, groups: t.groups, state: t.state };
  }

  private describeRecord(t: TransactionRecord): TransactionDescription {
    return {
      transactionalId: t.transactionalId, state: t.state, timeoutMs: t.timeoutMs, startTimeMs: t.startTimeMs,
      producerId: t.producerId, producerEpoch: t.producerEpoch, partitions: t.partitions.map(refOf),
    };
  }

  describe(id: string): TransactionDescription | undefined {
    const t = this.txns.get(id);
    return t === undefined ? undefined : this.describeRecord(t);
  }

  list(): TransactionDescription[] {
    return [...this.txns.values()].map((t) => this.describeRecord(t));
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await Promise.allSettled([...this.background]);
    await Promise.allSettled([...this.locks.values()]);
    await this.store.close();
  }
}
