// Piscina task module: CPU work from src/pool/cpu-tasks.ts on a pool thread. A batch
// result goes back by transfer (Piscina.move), not by copy.
import { Piscina } from 'piscina';
import { runCpuTask, type CpuTask } from '../src/pool/cpu-tasks.js';

export default async function run(task: CpuTask): Promise<unknown> {
  const out = await runCpuTask(task);
  if (typeof out === 'string') return out;
  // A fresh buffer owns its ArrayBuffer only when it spans all of it; otherwise copy once.
  const own = out.byteOffset === 0 && out.byteLength === out.buffer.byteLength ? out : Uint8Array.prototype.slice.call(out);
  return Piscina.move(own);
}
