// A small coverage-guided fuzzer: mutates inputs from a corpus, runs them through a target,
// and keeps every input that reaches code no earlier input reached. Coverage is V8's own
// block coverage (node:inspector, Profiler.takePreciseCoverage) restricted to Strata's
// compiled sources, so it needs no instrumentation step. Why our own and not Jazzer.js:
// docs/adr/0007-coverage-guided-fuzzer.md.
import { Session } from 'node:inspector';
import { createHash } from 'node:crypto';

export interface FuzzTarget {
  name: string;
  /** Runs one input; throws (or rejects) only on a finding: a crash, a broken invariant. */
  run(input: Buffer): void | Promise<void>;
  /** Structure-aware fix-ups applied to some mutants (e.g. a frame's length prefix). */
  fixup?(input: Buffer): Buffer;
  close?(): Promise<void>;
}

export interface FuzzStats {
  target: string;
  cases: number;
  seconds: number;
  corpus: number;
  /** Corpus entries this run added (inputs that reached new blocks). */
  added: number;
  /** Source bytes of Strata's functions that ran (V8 block coverage), and all of them. */
  coveredBytes: number;
  totalBytes: number;
  coveredFunctions: number;
  totalFunctions: number;
  findings: Array<{ input: Buffer; error: string }>;
}

interface Range { startOffset: number; endOffset: number; count: number }
interface FunctionCoverage { functionName: string; ranges: Range[] }
interface ScriptCoverage { url: string; functions: FunctionCoverage[] }

/** Deterministic PRNG (xorshift32): a run replays from its seed. */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x100000000;
  };
}

const INTERESTING_INT32 = [0, 1, -1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, -0x80000000, 4096, 65536];

export class CoverageFuzzer {
  private readonly session = new Session();
  private readonly seen = new Set<string>();
  private readonly random: () => number;
  readonly corpus: Buffer[];
  private readonly hashes = new Set<string>();
  /** Per function (script URL and start offset): source bytes covered, and its length. */
  private readonly coveredBytes = new Map<string, number>();
  private readonly functionBytes = new Map<string, number>();

  constructor(seeds: Buffer[], private readonly include: (url: string) => boolean, seed = 1) {
    this.random = rng(seed);
    this.corpus = [];
    for (const s of seeds) this.addToCorpus(s);
    if (this.corpus.length === 0) this.corpus.push(Buffer.alloc(8));
  }

  private post<T>(method: string, params?: object): Promise<T> {
    return new Promise((resolve, reject) => this.session.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res as T))));
  }

  async start(): Promise<void> {
    this.session.connect();
    await this.post('Profiler.enable');
    // Binary block coverage, cumulative: a block once run stays covered.
    await this.post('Profiler.startPreciseCoverage', { callCount: false, detailed: true });
  }

  async stop(): Promise<void> {
    await this.post('Profiler.stopPreciseCoverage').catch(() => undefined);
    this.session.disconnect();
  }

  private addToCorpus(input: Buffer): boolean {
    const h = createHash('sha1').update(input).digest('hex');
    if (this.hashes.has(h)) return false;
    this.hashes.add(h);
    this.corpus.push(input);
    return true;
  }

  /**
   * Functions whose covered bytes grew since the last call. V8 reports a function's range
   * (count 0 or 1 here) followed by the blocks inside it whose count differs: in a run
   * function, the blocks never run; so covered bytes = length - outermost unrun blocks.
   */
  private async newCoverage(): Promise<number> {
    const { result } = await this.post<{ result: ScriptCoverage[] }>('Profiler.takePreciseCoverage');
    let grew = 0;
    for (const script of result) {
      if (!this.include(script.url)) continue;
      for (const fn of script.functions) {
        const [top, ...blocks] = fn.ranges;
        if (top === undefined) continue;
        const key = `${script.url}:${top.startOffset}`;
        const length = top.endOffset - top.startOffset;
        this.functionBytes.set(key, length);
        if (top.count === 0) continue;
        let unrun = 0;
        let end = -1;
        for (const r of blocks) {
          if (r.count !== 0 || r.startOffset < end) continue;
          unrun += r.endOffset - r.startOffset;
          end = r.endOffset;
        }
        const covered = length - unrun;
        if (covered > (this.coveredBytes.get(key) ?? 0)) {
          this.coveredBytes.set(key, covered);
          grew++;
        }
      }
    }
    return grew;
  }

  private pick(): Buffer {
    return this.corpus[Math.floor(this.random() * this.corpus.length)]!;
  }

  /** One mutant of a corpus entry: bit flips, interesting integers, cuts, inserts, splices. */
  mutate(base: Buffer): Buffer {
    let b = Buffer.from(base);
    const rounds = 1 + Math.floor(this.random() * 4);
    for (let r = 0; r < rounds; r++) {
      const at = b.length === 0 ? 0 : Math.floor(this.random() * b.length);
      switch (Math.floor(this.random() * 8)) {
        case 0:
          if (b.length > 0) b[at] = b[at]! ^ (1 << Math.floor(this.random() * 8));
          break;
        case 1:
          if (b.length > 0) b[at] = Math.floor(this.random() * 256);
          break;
        case 2:
          if (b.length >= at + 4) b.writeInt32BE(INTERESTING_INT32[Math.floor(this.random() * INTERESTING_INT32.length)]! | 0, at);
          break;
        case 3:
          if (b.length >= at + 2) b.writeInt16BE((INTERESTING_INT32[Math.floor(this.random() * INTERESTING_INT32.length)]! << 16) >> 16, at);
          break;
        case 4: {
          const len = Math.floor(this.random() * Math.min(64, b.length - at + 1));
          b = Buffer.concat([b.subarray(0, at), b.subarray(at + len)]);
          break;
        }
        case 5: {
          const ins = Buffer.alloc(1 + Math.floor(this.random() * 16));
          for (let i = 0; i < ins.length; i++) ins[i] = Math.floor(this.random() * 256);
          b = Buffer.concat([b.subarray(0, at), ins, b.subarray(at)]);
          break;
        }
        case 6: {
          const other = this.pick();
          const from = Math.floor(this.random() * (other.length + 1));
          b = Buffer.concat([b.subarray(0, at), other.subarray(from, from + 1 + Math.floor(this.random() * 256))]);
          break;
        }
        default:
          b = b.subarray(0, at);
      }
    }
    return b;
  }

  /** Fuzzes `target` until `deadline` (ms since epoch); coverage is sampled every `sampleEvery` cases. */
  async run(target: FuzzTarget, deadline: number, sampleEvery = 1): Promise<FuzzStats> {
    const started = Date.now();
    const findings: FuzzStats['findings'] = [];
    let cases = 0;
    let added = 0;
    // Seeds first: their coverage is the baseline.
    for (const seed of [...this.corpus]) {
      await this.exec(target, seed, findings);
      cases++;
    }
    await this.newCoverage();
    let batch: Buffer[] = [];
    while (Date.now() < deadline && findings.length < 10) {
      let input = this.mutate(this.pick());
      if (target.fixup !== undefined && this.random() < 0.7) input = target.fixup(input);
      await this.exec(target, input, findings);
      cases++;
      batch.push(input);
      if (batch.length >= sampleEvery) {
        if ((await this.newCoverage()) > 0) {
          // Which input of the batch found it is not known when sampling: keep them all.
          for (const b of batch) if (this.addToCorpus(b)) added++;
        }
        batch = [];
      }
    }
    return {
      target: target.name, cases, seconds: (Date.now() - started) / 1000, corpus: this.corpus.length, added,
      coveredBytes: [...this.coveredBytes.values()].reduce((a, b) => a + b, 0),
      totalBytes: [...this.functionBytes.values()].reduce((a, b) => a + b, 0),
      coveredFunctions: this.coveredBytes.size, totalFunctions: this.functionBytes.size, findings,
    };
  }

  private async exec(target: FuzzTarget, input: Buffer, findings: FuzzStats['findings']): Promise<void> {
    try {
      await target.run(input);
    } catch (err) {
      const error = err instanceof Error ? `${err.name}: ${err.message}\n${err.stack ?? ''}` : String(err);
      const key = error.split('\n').slice(0, 2).join('\n');
      if (!this.seen.has(key)) {
        this.seen.add(key);
        findings.push({ input, error });
      }
    }
  }
}
