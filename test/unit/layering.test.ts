// The layering rules (.dependency-cruiser.cjs, `npm run lint`) hold for the source tree,
// and they do catch violations: a fixture tree plants one of each.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { cruise, type ICruiseResult, type IConfiguration } from 'dependency-cruiser';
import { describe, expect, it } from 'vitest';
import { root } from '../helpers/broker.js';

const config = createRequire(import.meta.url)(join(root, '.dependency-cruiser.cjs')) as IConfiguration;

async function violations(baseDir: string, paths: string[]): Promise<string[]> {
  const result = await cruise(paths, { ruleSet: config, ...config.options, baseDir, tsConfig: undefined, validate: true } as never);
  const output = result.output as ICruiseResult;
  return output.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`).sort();
}

describe('layering rules', () => {
  it('the source tree has no violation', async () => {
    expect(await violations(root, ['src', 'workers'])).toEqual([]);
  });

  it('catch an implementation import from a handler, a cycle, a protocol back-arrow, and an impure services module', async () => {
    const found = await violations(join(root, 'test', 'fixtures', 'layering'), ['src']);
    expect(found).toEqual(expect.arrayContaining([
      'handlers-see-interfaces: src/handlers/reaches-in.ts → src/broker/topics.ts',
      'protocol-is-the-bottom: src/protocol/codec.ts → src/storage/segment.ts',
      'services-are-interfaces: src/services/iface.ts → src/storage/segment.ts',
      'only-entry-points-import-the-root: src/broker/topics.ts → src/server/root.ts',
    ]));
    expect(found.some((v) => v.startsWith('no-circular:'))).toBe(true);
  });
});
