// The generated protocol code must match what scripts/codegen makes from
// ../shared/kafka-schemas today: a schema change or a hand edit fails here.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
// @ts-expect-error the generator is plain JavaScript (scripts/ is not compiled)
import { generateAll } from '../../scripts/codegen/index.mjs';
import { ErrorCode, ERRORS_BY_CODE } from '../../src/protocol/generated/error-codes.js';

const generatedDir = fileURLToPath(new URL('../../src/protocol/generated/', import.meta.url));

describe('generated protocol code', () => {
  it('is up to date with the Kafka schemas', () => {
    const files = generateAll() as Array<[string, string]>;
    expect(files.length).toBeGreaterThan(0);
    for (const [name, text] of files) {
      expect(readFileSync(join(generatedDir, name), 'utf8'), `${name} is stale: run npm run codegen`).toBe(text);
    }
  });

  it('has the Kafka error codes the log relies on', () => {
    expect(ErrorCode.CORRUPT_MESSAGE).toBe(2);
    expect(ErrorCode.MESSAGE_TOO_LARGE).toBe(10);
    expect(ErrorCode.KAFKA_STORAGE_ERROR).toBe(56);
    expect(ErrorCode.INVALID_RECORD).toBe(87);
    expect(ERRORS_BY_CODE.get(56)?.retriable).toBe(true);
  });
});
