#!/usr/bin/env node
// Generates TypeScript from Kafka's JSON schemas (../shared/kafka-schemas by default).
// Output goes to src/protocol/generated/ and is committed; never edit it by hand.
// `node scripts/codegen/index.mjs --check` regenerates in memory and fails on drift.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateErrorCodes, HEADER } from './error-codes.mjs';
import { generateMessage } from './messages.mjs';
import { kebab, loadSchema, parseVersions } from './schema.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const schemaDir = resolve(process.env.STRATA_KAFKA_SCHEMAS ?? join(root, '..', 'shared', 'kafka-schemas'));
const outDir = join(root, 'src', 'protocol', 'generated');

/** The APIs the broker implements: codecs are generated for these (request and response). */
export const IMPLEMENTED_APIS = [
  'Produce', 'Fetch', 'ListOffsets', 'Metadata', 'OffsetCommit', 'OffsetFetch', 'FindCoordinator',
  'JoinGroup', 'Heartbeat', 'LeaveGroup', 'SyncGroup', 'DescribeGroups', 'ListGroups', 'ApiVersions',
  'CreateTopics', 'DeleteTopics', 'InitProducerId', 'DescribeConfigs', 'CreatePartitions', 'DeleteGroups',
  'IncrementalAlterConfigs', 'DescribeCluster', 'AlterConfigs', 'SaslHandshake', 'SaslAuthenticate',
  'DescribeUserScramCredentials', 'AlterUserScramCredentials', 'DescribeAcls', 'CreateAcls', 'DeleteAcls',
  'DescribeClientQuotas', 'AlterClientQuotas', 'OffsetDelete', 'DescribeLogDirs', 'OffsetForLeaderEpoch', 'DeleteRecords',
  'DescribeProducers', 'ConsumerGroupHeartbeat', 'ConsumerGroupDescribe',
  'AddPartitionsToTxn', 'AddOffsetsToTxn', 'EndTxn', 'TxnOffsetCommit', 'DescribeTransactions', 'ListTransactions',
];
const EXTRA = ['RequestHeader', 'ResponseHeader', 'ConsumerProtocolSubscription', 'ConsumerProtocolAssignment'];

/**
 * Versions Kafka 4.0 added with no change on the wire, which the schemas here predate:
 * "Version 12 is the same as version 11 (KIP-890)" (Produce) and "Version 5 is the same as
 * version 4 (KIP-890)" (TxnOffsetCommit). They carry transaction version 2's meaning (a
 * transactional write adds its partition or group to the transaction), so their ranges are
 * raised here rather than the schemas edited.
 */
const WIRE_IDENTICAL_VERSIONS = { ProduceRequest: 12, ProduceResponse: 12, TxnOffsetCommitRequest: 5, TxnOffsetCommitResponse: 5 };

function loadWithExtensions(path) {
  const s = loadSchema(path);
  const max = WIRE_IDENTICAL_VERSIONS[s.name];
  if (max !== undefined) {
    const v = parseVersions(s.validVersions);
    if (v.max >= max) throw new Error(`${s.name} already goes to v${v.max}: drop it from WIRE_IDENTICAL_VERSIONS`);
    s.validVersions = `${v.min}-${max}`;
  }
  return s;
}

function apiTable(dir) {
  const rows = [];
  for (const file of readdirSync(dir).sort()) {
    if (!file.endsWith('Request.json')) continue;
    const s = loadWithExtensions(join(dir, file));
    if (s.apiKey === undefined) continue;
    const v = parseVersions(s.validVersions);
    const f = parseVersions(s.flexibleVersions);
    rows.push({ key: s.apiKey, name: s.name.replace(/Request$/, ''), min: v.min, max: v.max, flex: f === null ? -1 : f.min });
  }
  rows.sort((a, b) => a.key - b.key);
  const lines = [HEADER, '/** Every API in the Kafka schemas: key, name, versions, first flexible version (-1: none). */'];
  lines.push('export interface ApiSchemaInfo {', '  readonly key: number;', '  readonly name: string;', '  readonly minVersion: number;', '  readonly maxVersion: number;', '  readonly flexibleFrom: number;', '}', '');
  lines.push('export const API_SCHEMAS: ReadonlyMap<number, ApiSchemaInfo> = new Map([');
  for (const r of rows) lines.push(`  [${r.key}, { key: ${r.key}, name: '${r.name}', minVersion: ${r.min}, maxVersion: ${r.max}, flexibleFrom: ${r.flex} }],`);
  lines.push(']);', '');
  lines.push('export const ApiKey = {');
  for (const r of rows) lines.push(`  ${r.name}: ${r.key},`);
  lines.push('} as const;', '');
  return lines.join('\n');
}

/** Every generated file: [relative path, contents]. */
export function generateAll(dir = schemaDir) {
  if (!existsSync(dir)) {
    throw new Error(`Kafka schemas not found at ${dir} (set STRATA_KAFKA_SCHEMAS)`);
  }
  const files = [];
  const errors = JSON.parse(readFileSync(join(dir, 'error-codes.json'), 'utf8'));
  files.push(['error-codes.ts', generateErrorCodes(errors)]);
  files.push(['api-keys.ts', apiTable(dir)]);
  const names = [...IMPLEMENTED_APIS.flatMap((a) => [`${a}Request`, `${a}Response`]), ...EXTRA];
  for (const name of names) {
    files.push([`${kebab(name)}.ts`, generateMessage(loadWithExtensions(join(dir, `${name}.json`)))]);
  }
  return files;
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
