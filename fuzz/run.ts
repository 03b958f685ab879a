// `npm run fuzz -- [--minutes N | --seconds N] [--target frames,batches,pipeline,sasl] [--seed S] [--save]`
// Coverage-guided fuzzing of the frame decoder, the record-batch validator and the request
// pipeline, seeded with the corpus captured from real clients (fuzz/corpus, refreshed by
// scripts/capture-fuzz-corpus.mjs). Prints cases run, cases per second and the blocks of
// Strata's code reached; exits 1 on a finding, writing the input to fuzz/findings/.
// --save adds the inputs that reached new code to fuzz/corpus/<kind>/ (a nightly run's harvest).
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CoverageFuzzer, type FuzzStats, type FuzzTarget } from './engine.js';
import { batchesTarget, framesTarget, pipelineTarget, saslSeeds } from './targets.js';

const here = dirname(fileURLToPath(import.meta.url));
/** The repository root, from src (vitest) or dist (compiled). */
export const repoRoot = here.includes(`${join('dist', 'fuzz')}`) ? join(here, '..', '..') : join(here, '..');

export function loadCorpus(kind: 'frames' | 'batches'): Buffer[] {
  const dir = join(repoRoot, 'fuzz', 'corpus', kind);
  return readdirSync(dir).filter((f) => f.endsWith('.bin')).sort().map((f) => readFileSync(join(dir, f)));
}

export async function fuzzTarget(name: string, seconds: number, seed: number): Promise<{ stats: FuzzStats; fuzzer: CoverageFuzzer }> {
  const target: FuzzTarget = name === 'frames' ? framesTarget() : name === 'batches' ? batchesTarget() : await pipelineTarget(name === 'sasl' ? 'SASL_PLAINTEXT' : 'PLAINTEXT');
  const kind = name === 'batches' ? 'batches' : 'frames';
  // The SASL target starts from client-like authentication exchanges, then the frame corpus.
  const seeds = name === 'sasl' ? [...saslSeeds(), ...loadCorpus('frames')] : loadCorpus(kind);
  // Coverage counts Strata's own code only (src/, compiled or not), not Node or libraries.
  const include = (url: string): boolean => url.includes('/src/') && !url.includes('node_modules');
  const fuzzer = new CoverageFuzzer(seeds, include, seed);
  await fuzzer.start();
  try {
    // The pipeline target is slower per case: sample its coverage less often.
    const stats = await fuzzer.run(target, Date.now() + seconds * 1000, name === 'pipeline' || name === 'sasl' ? 8 : 4);
    return { stats, fuzzer };
  } finally {
    await fuzzer.stop();
    await target.close?.();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      minutes: { type: 'string' }, seconds: { type: 'string' }, target: { type: 'string', default: 'frames,batches,pipeline,sasl' },
      seed: { type: 'string', default: String(Date.now() % 0x7fffffff) }, save: { type: 'boolean', default: false }, help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log('usage: npm run fuzz -- [--minutes N | --seconds N] [--target frames,batches,pipeline,sasl] [--seed S] [--save]');
    return;
  }
  const total = values.seconds !== undefined ? Number(values.seconds) : Number(values.minutes ?? 1) * 60;
  const targets = values.target.split(',');
  if (!(total > 0) || targets.some((t) => !['frames', 'batches', 'pipeline', 'sasl'].includes(t))) {
    console.error('--minutes/--seconds must be positive; --target is a list of frames, batches, pipeline, sasl');
    process.exit(2);
  }
  let failed = false;
  console.log(`seed ${values.seed}`);
  console.log('| target | cases | cases/s | corpus (+new) | code covered (bytes of the modules it loads) | functions run | findings |\n|---|---|---|---|---|---|---|');
  for (const name of targets) {
    const { stats, fuzzer } = await fuzzTarget(name, total / targets.length, Number(values.seed));
    console.log(`| ${name} | ${stats.cases} | ${(stats.cases / stats.seconds).toFixed(0)} | ${stats.corpus} (+${stats.added}) | ${((100 * stats.coveredBytes) / stats.totalBytes).toFixed(1)}% | ${stats.coveredFunctions} / ${stats.totalFunctions} | ${stats.findings.length} |`);
    for (const f of stats.findings) {
      failed = true;
      const dir = join(repoRoot, 'fuzz', 'findings');
      mkdirSync(dir, { recursive: true });
      const file = join(dir, `${name}-${createHash('sha1').update(f.input).digest('hex').slice(0, 12)}.bin`);
      writeFileSync(file, f.input);
      console.error(`finding in ${name} (input: ${file}):\n${f.error}`);
    }
    if (values.save) {
      const kind = name === 'batches' ? 'batches' : 'frames';
      const dir = join(repoRoot, 'fuzz', 'corpus', kind);
      for (const input of fuzzer.corpus.slice(-stats.added)) writeFileSync(join(dir, `fuzz-${createHash('sha1').update(input).digest('hex').slice(0, 12)}.bin`), input);
    }
  }
  process.exit(failed ? 1 : 0);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) await main();
