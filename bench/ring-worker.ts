// Worker side of bench/ring-handoff: consumes hand-offs and counts them in a shared
// counter (so acknowledging costs the same for every mechanism), or echoes them back.
import { parentPort, workerData } from 'node:worker_threads';
import { SpscRing } from '../src/ring/spsc-ring.js';

const { mode, sab, out, counter } = workerData as { mode: string; sab?: SharedArrayBuffer; out?: SharedArrayBuffer; counter: SharedArrayBuffer };
const count = new Int32Array(counter);

function bump(n: number): void {
  Atomics.add(count, 0, n);
  Atomics.notify(count, 0);
}

if (mode === 'ring-count') {
  const ring = new SpscRing(sab!);
  for (;;) {
    if (!ring.waitReadable(100)) {
      if (ring.closed) break;
      continue;
    }
    let sum = 0;
    const n = ring.drain((p) => {
      sum += p[0]!; // touch the payload, as a consumer would
    });
    if (sum < 0) console.log(sum);
    bump(n);
  }
} else if (mode === 'pm-count') {
  parentPort!.on('message', (m: Uint8Array | ArrayBuffer) => {
    const first = m instanceof ArrayBuffer ? new Uint8Array(m)[0]! : m[0]!;
    if (first < 0) console.log(first);
    bump(1);
  });
} else if (mode === 'ring-echo') {
  const ring = new SpscRing(sab!);
  const back = new SpscRing(out!);
  for (;;) {
    if (!ring.waitReadable(100)) {
      if (ring.closed) break;
      continue;
    }
    ring.drain((p) => {
      while (!back.tryPush(p)) Atomics.wait(count, 1, 0, 0.01);
    });
  }
} else if (mode === 'pm-echo') {
  parentPort!.on('message', (m: Uint8Array) => parentPort!.postMessage(m));
}
