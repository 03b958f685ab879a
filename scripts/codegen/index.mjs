#!/usr/bin/env node
// Generates TypeScript from Kafka's JSON schemas (../shared/kafka-schemas by default).
// Output goes to src/protocol/generated/ and is committed; never edit it by hand.
// `node scripts/codegen/index.mjs --check` regenerates in memory and fails on drift.
import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateErrorCodes } from './error-codes.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const schemaDir = resolve(process.env.STRATA_KAFKA_SCHEMAS ?? join(root, '..', 'shared', 'kafka-schemas'));
const outDir = join(root, 'src', 'protocol', 'generated');

/** Every generated file: [relative path, contents]. */
export function generateAll(dir = schemaDir) {
  if (!existsSync(dir)) {
    throw new Error(`Kafka schemas not found at ${dir} (set STRATA_KAFKA_SCHEMAS)`);
  }
  const errors = JSON.parse(readFileSync(join(dir, 'error-codes.json'), 'utf8'));
  return [['error-codes.ts', generateErrorCodes(errors)]];
}

function main() {
  const check = process.argv.includes('--check');
  const drift = [];
  for (const [name, text] of generateAll()) {
    const path = join(outDir, name);
    if (check) {
      const current = existsSync(path) ? readFileSync(path, 'utf8') : '';
      if (current !== text) drift.push(name);
    } else {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
    }
  }
  if (check && drift.length > 0) {
    console.error(`generated code is stale, run npm run codegen: ${drift.join(', ')}`);
    process.exit(1);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
