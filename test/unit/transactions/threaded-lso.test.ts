// The main thread's copy of a log writer's last stable offset never goes back: the reply to
// the writer's open is handled a microtask after the completions that follow it on the ring
// may have been applied (the CI run in threaded mode caught consumers stuck at a stale LSO).
import { describe, expect, it } from 'vitest';
import { ThreadedBackend } from '../../../src/writer/threaded-backend.js';
import type { LogWriterThread, ProducedFields } from '../../../src/writer/log-writer-thread.js';
import type { LogView } from '../../../src/storage/log-view.js';
import { resolveLogConfig } from '../../../src/config/log-config.js';

describe('threaded backend: last stable offset', () => {
  it('keeps a later completion\'s LSO when the open reply is handled after it', async () => {
    let answerOpen: (reply: unknown) => void = () => undefined;
    const writer = {
      clients: new Map(),
      logger: { error: () => undefined },
      control: () => new Promise((resolve) => (answerOpen = resolve)),
    } as unknown as LogWriterThread;
    let hw = 0;
    const view = { get highWatermark() { return hw; }, applyAppend: () => undefined, applyState: () => undefined } as unknown as LogView;
    const backend = new ThreadedBackend(writer, 0, '/nowhere', resolveLogConfig({}), view, () => undefined, async () => new Uint8Array());
    const produced: ProducedFields = {
      duplicate: false, baseOffset: 0, lastOffset: 2, logAppendTime: -1, logStartOffset: 0, highWatermark: 3, segmentBase: -1, position: -1, size: -1,
      maxTimestamp: -1, flushedOffset: 3, lastStableOffset: 3, abortedFirstOffset: -1, abortedProducerId: -1,
    };
    hw = 3;
    backend.onProduced(produced);
    expect(backend.lastStableOffset).toBe(3);
    // The open's reply, describing the log before that append, arrives late.
    answerOpen({ sizes: [], state: { highWatermark: 0, logStartOffset: 0, flushedOffset: 0, lastStableOffset: 0 }, recovery: {}, indexIntervalBytes: 4096, aborted: [] });
    await new Promise((r) => setImmediate(r));
    expect(backend.lastStableOffset).toBe(3);
  });
});
