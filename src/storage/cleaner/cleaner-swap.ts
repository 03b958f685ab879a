// Installing a cleaning pass's output, crash-safe: the cleaned files are fsynced first
// (clean-pass.ts), then one commit record (`strata-cleaner-swap`, written atomically) names
// every group; only then are old segments removed and each cleaned file renamed over the
// first segment it replaces. A crash before the commit record leaves the old segments
// (stray `.cleaned` files are deleted at the next open); a crash after it is finished at
// the next open from the record. Either the old segment set or the new one, never a mix:
// a mix could resurrect a deleted key (a tombstone removed from one group while an older
// value survived in another).
import { existsSync, readdirSync, readFileSync, renameSync, unlinkSync } from 'node:fs';
import { open, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../logger.js';
import { fsyncDir, writeFileAtomic } from '../dir-sync.js';
import { CLEANED_SUFFIX, CLEANER_CHECKPOINT_FILE, CLEANER_SWAP_FILE, logFileName, offsetIndexFileName, timeIndexFileName } from '../names.js';

export interface SwapGroup {
  base: number;
  /** Bases of the segments the group replaces (the first is `base`). */
  replaced: number[];
  /** The cleaned file. */
  file: string;
}

/** Test hook: where an install stops as if the process had died (STRATA_TEST_CLEANER_CRASH_AT). */
export function crashPoint(name: string): void {
  if (process.env.STRATA_TEST_CLEANER_CRASH_AT === name) process.kill(process.pid, 'SIGKILL');
}

function unlinkIfPresent(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/** fsync of a file or directory without blocking the event loop. */
async function fsyncPath(path: string, flags = 'r'): Promise<void> {
  const handle = await open(path, flags);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** writeFileAtomic off the event loop: temporary file, fsync, rename, fsync of the directory. */
async function writeFileAtomicAsync(dir: string, name: string, data: string): Promise<void> {
  const tmp = join(dir, `${name}.tmp`);
  await writeFile(tmp, data);
  await fsyncPath(tmp, 'r+');
  await rename(tmp, join(dir, name));
  await fsyncPath(dir);
}

/** The commit point: once this resolves, the new segment set is the log (a crash from here is finished at open). */
export async function commitSwap(dir: string, groups: readonly SwapGroup[], cleanedUpTo: number): Promise<void> {
  await writeFileAtomicAsync(dir, CLEANER_SWAP_FILE, JSON.stringify({ groups, cleanedUpTo }));
}

/** A committed swap the log gave up before touching a segment (it closed): the record and the files go. */
export async function abandonSwap(dir: string, groups: readonly SwapGroup[]): Promise<void> {
  await unlink(join(dir, CLEANER_SWAP_FILE)).catch(() => undefined);
  await fsyncPath(dir);
  for (const g of groups) await unlink(join(dir, g.file)).catch(() => undefined);
}

/** finishSwap off the event loop (the live install; recovery uses the synchronous one). */
export async function finishSwapAsync(dir: string, cleanedUpTo: number): Promise<void> {
  await fsyncPath(dir);
  await writeFileAtomicAsync(dir, CLEANER_CHECKPOINT_FILE, `${cleanedUpTo}\n`);
  crashPoint('before-swap-record-removed');
  await unlink(join(dir, CLEANER_SWAP_FILE)).catch(() => undefined);
  await fsyncPath(dir);
}

export async function writeCleanerCheckpointAsync(dir: string, offset: number): Promise<void> {
  await writeFileAtomicAsync(dir, CLEANER_CHECKPOINT_FILE, `${offset}\n`);
}

/** Replaces a group's old files by its cleaned file (idempotent: an interrupted swap runs again). */
export function swapGroupFiles(dir: string, g: SwapGroup): void {
  const cleaned = join(dir, g.file);
  if (!existsSync(cleaned)) return; // renamed already
  for (const base of g.replaced) {
    if (base !== g.base) unlinkIfPresent(join(dir, logFileName(base)));
    unlinkIfPresent(join(dir, offsetIndexFileName(base)));
    unlinkIfPresent(join(dir, timeIndexFileName(base)));
  }
  crashPoint('mid-swap');
  renameSync(cleaned, join(dir, logFileName(g.base)));
}

/** The swap is done: the checkpoint moves (which also marks the log as one with offset gaps), then the commit record goes. */
export function finishSwap(dir: string, cleanedUpTo: number): void {
  fsyncDir(dir);
  writeCleanerCheckpoint(dir, cleanedUpTo);
  crashPoint('before-swap-record-removed');
  unlinkIfPresent(join(dir, CLEANER_SWAP_FILE));
  fsyncDir(dir);
}

/**
 * At open, before the segments are listed: finishes a committed swap, and removes the
 * output of passes that never committed. Returns whether a swap was finished.
 */
export function completeInterruptedSwap(dir: string, logger: Logger): boolean {
  let finished = false;
  const record = join(dir, CLEANER_SWAP_FILE);
  if (existsSync(record)) {
    const { groups, cleanedUpTo } = JSON.parse(readFileSync(record, 'utf8')) as { groups: SwapGroup[]; cleanedUpTo: number };
    for (const g of groups) swapGroupFiles(dir, g);
    finishSwap(dir, cleanedUpTo);
    logger.warn({ dir, groups: groups.length }, 'finished a log cleaner swap interrupted by a crash');
    finished = true;
  }
  const stray = readdirSync(dir).filter((f) => f.endsWith(CLEANED_SUFFIX));
  for (const f of stray) unlinkIfPresent(join(dir, f));
  if (stray.length > 0) fsyncDir(dir);
  return finished;
}

export function readCleanerCheckpoint(dir: string): number {
  try {
    const n = Number(readFileSync(join(dir, CLEANER_CHECKPOINT_FILE), 'utf8').trim());
    return Number.isSafeInteger(n) && n >= 0 ? n : 0;
  } catch {
    return 0;
  }
}

export function writeCleanerCheckpoint(dir: string, offset: number): void {
  writeFileAtomic(dir, CLEANER_CHECKPOINT_FILE, `${offset}\n`);
}
