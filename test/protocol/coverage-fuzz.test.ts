// The coverage-guided fuzzer (fuzz/) for a bounded time per target on every test run:
// the frame decoder, the record-batch validator and the request pipeline, seeded with the
// corpus captured from kcat and kafkajs. A finding fails the test with the input's hex.
// STRATA_FUZZ_SECONDS sets the time per target (`npm run fuzz -- --minutes N` runs longer).
import { describe, expect, it } from 'vitest';
import { fuzzTarget, loadCorpus } from '../../fuzz/run.js';

const SECONDS = Number(process.env.STRATA_FUZZ_SECONDS ?? 8);

describe('coverage-guided fuzzing', () => {
  it('has a seed corpus captured from real clients', () => {
    expect(loadCorpus('frames').length).toBeGreaterThan(100);
    expect(loadCorpus('batches').length).toBeGreaterThan(5);
  });

  for (const target of ['frames', 'batches', 'pipeline', 'sasl']) {
    it(`${target}: no finding in ${SECONDS} s`, async () => {
      const { stats } = await fuzzTarget(target, SECONDS, 0x5eed);
      console.log(`${target}: ${stats.cases} cases (${(stats.cases / stats.seconds).toFixed(0)}/s), corpus ${stats.corpus} (+${stats.added}), ${((100 * stats.coveredBytes) / stats.totalBytes).toFixed(1)}% of the loaded code's bytes, ${stats.coveredFunctions}/${stats.totalFunctions} functions`);
      expect(stats.findings.map((f) => `${f.error}\ninput: ${f.input.toString('hex')}`)).toEqual([]);
      expect(stats.cases).toBeGreaterThan(1000);
      expect(stats.added).toBeGreaterThan(0); // the coverage feedback finds new paths
    }, (SECONDS + 60) * 1000);
  }
});
