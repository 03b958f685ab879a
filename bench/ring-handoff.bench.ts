// Hand-off main → worker (→ main): the SharedArrayBuffer ring against postMessage, with
// structured clone (copy) and with a transferred buffer, for 100 B, 16 KiB and 1 MiB.
// Throughput: one call sends a burst and waits until the worker has seen all of it (a
// shared counter acknowledges, the same for every mechanism). Round trip: one call sends
// one message and waits for it to come back (p50/p99 from tinybench).
import { Worker } from 'node:worker_threads';
import { SpscRing } from '../src/ring/spsc-ring.js';
import { ratio, runBench, type BenchTask } from './harness.js';

const workerFile = new URL('./ring-worker.js', import.meta.url);
const sizes: Array<[string, number, number]> = [['100 B', 100, 1000], ['16 KiB', 16 * 1024, 200], ['1 MiB', 1024 * 1024, 8]];

interface Rig {
  worker: Worker;
  counter: Int32Array;
  ring?: SpscRing;
  back?: SpscRing;
}

function rig(mode: string, ringBytes = 0): Rig {
  const counterSab = new SharedArrayBuffer(8);
  const sab = ringBytes > 0 ? SpscRing.allocate(ringBytes) : undefined;
  const out = mode === 'ring-echo' ? SpscRing.allocate(ringBytes) : undefined;
  const worker = new Worker(workerFile, { workerData: { mode, sab, out, counter: counterSab } });
  const r: Rig = { worker, counter: new Int32Array(counterSab) };
  if (sab) r.ring = new SpscRing(sab);
  if (out) r.back = new SpscRing(out);
  return r;
}

async function until(counter: Int32Array, target: number): Promise<void> {
  for (;;) {
    const seen = Atomics.load(counter, 0);
    if (seen >= target) return;
    const w = Atomics.waitAsync(counter, 0, seen, 1000);
    if (w.async) await w.value;
  }
}

async function stop(r: Rig): Promise<void> {
  r.ring?.close();
  r.back?.close();
  await r.worker.terminate();
}

const tasks: BenchTask[] = [];
const rigs: Rig[] = [];
for (const [label, size, burst] of sizes) {
  const payload = new Uint8Array(size).fill(1);
  const ringBytes = Math.max(1 << 22, 1 << Math.ceil(Math.log2(size * 4 + 64)));
  // Throughput.
  let ringRig: Rig;
  let target = 0;
  tasks.push({
    name: `ring ${label}`, opsPerCall: burst, bytesPerCall: burst * size,
    setup: () => { ringRig = rig('ring-count', ringBytes); rigs.push(ringRig); target = 0; },
    fn: async () => {
      const ring = ringRig.ring!;
      for (let i = 0; i < burst; i++) if (!ring.tryPush(payload)) await ring.push(payload);
      target += burst;
      await until(ringRig.counter, target);
    },
    teardown: () => stop(ringRig),
  });
  let pmRig: Rig;
  let pmTarget = 0;
  tasks.push({
    name: `postMessage copy ${label}`, opsPerCall: burst, bytesPerCall: burst * size,
    setup: () => { pmRig = rig('pm-count'); rigs.push(pmRig); pmTarget = 0; },
    fn: async () => {
      for (let i = 0; i < burst; i++) pmRig.worker.postMessage(payload);
      pmTarget += burst;
      await until(pmRig.counter, pmTarget);
    },
    teardown: () => stop(pmRig),
  });
  let trRig: Rig;
  let trTarget = 0;
  tasks.push({
    name: `postMessage transfer ${label}`, opsPerCall: burst, bytesPerCall: burst * size,
    setup: () => { trRig = rig('pm-count'); rigs.push(trRig); trTarget = 0; },
    fn: async () => {
      for (let i = 0; i < burst; i++) {
        // A transfer needs a buffer of its own: copy the payload out, as the broker would
        // have to copy a batch out of the socket's buffer.
        const own = new Uint8Array(size);
        own.set(payload);
        trRig.worker.postMessage(own.buffer, [own.buffer]);
      }
      trTarget += burst;
      await until(trRig.counter, trTarget);
    },
    teardown: () => stop(trRig),
  });
  // Round trip.
  let echo: Rig;
  tasks.push({
    name: `ring round trip ${label}`, bytesPerCall: 2 * size,
    setup: () => { echo = rig('ring-echo', ringBytes); rigs.push(echo); },
    fn: async () => {
      echo.ring!.tryPush(payload) || (await echo.ring!.push(payload));
      while (echo.back!.drain(() => undefined) === 0) await echo.back!.waitReadableAsync(1000);
    },
    teardown: () => stop(echo),
  });
  let pmEcho: Rig;
  tasks.push({
    name: `postMessage round trip ${label}`, bytesPerCall: 2 * size,
    setup: () => { pmEcho = rig('pm-echo'); rigs.push(pmEcho); },
    fn: () => new Promise<void>((resolve) => {
      pmEcho.worker.once('message', () => resolve());
      pmEcho.worker.postMessage(payload);
    }),
    teardown: () => stop(pmEcho),
  });
}

const rows = await runBench('ring-handoff', tasks, { time: Number(process.env.STRATA_BENCH_TIME_MS ?? 1500), warmupTime: 300 });
for (const [label] of sizes) {
  const has = (n: string): boolean => rows.some((r) => r.name === n);
  if (has(`ring ${label}`) && has(`postMessage copy ${label}`)) {
    console.log(`${label}: ring / postMessage copy ${ratio(rows, `ring ${label}`, `postMessage copy ${label}`).toFixed(1)}x, ring / postMessage transfer ${ratio(rows, `ring ${label}`, `postMessage transfer ${label}`).toFixed(1)}x`);
  }
  const rt = rows.find((r) => r.name === `ring round trip ${label}`);
  const pm = rows.find((r) => r.name === `postMessage round trip ${label}`);
  if (rt && pm) console.log(`${label} round trip p99: ring ${rt.p99us.toFixed(0)} µs, postMessage ${pm.p99us.toFixed(0)} µs`);
}
process.exit(0);
