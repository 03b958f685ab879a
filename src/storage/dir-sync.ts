// fsync of a directory makes file creations, renames and deletions in it durable. A
// new directory's own name lives in its parent: creating one durably means fsyncing the
// parent too, or a power loss can drop the directory while what points at it (the
// cluster metadata listing a topic) survives.
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { retryOnEmfile } from './fd-cache.js';

/** Sees every directory fsync (tests count them to check that new names are made durable). */
export const dirSyncObserver: { onSync: ((dir: string) => void) | undefined } = { onSync: undefined };

export function fsyncDir(dir: string): void {
  dirSyncObserver.onSync?.(resolve(dir));
  const fd = retryOnEmfile(() => openSync(dir, 'r'));
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Creates `dir` and any missing parents, then fsyncs the parent of each directory it
 * created (deepest last), so every new name survives a power loss. Returns whether
 * anything was created.
 */
export function mkdirDurable(dir: string): boolean {
  const first = mkdirSync(dir, { recursive: true });
  if (first === undefined) return false;
  const created: string[] = [];
  const top = resolve(first);
  for (let d = resolve(dir); ; d = dirname(d)) {
    created.unshift(d);
    if (d === top || dirname(d) === d) break;
  }
  for (const d of created) fsyncDir(dirname(d));
  return true;
}

/** Writes a whole file and forces its contents to disk. */
export function writeFileDurably(path: string, data: string | Buffer): void {
  retryOnEmfile(() => writeFileSync(path, data));
  const fd = retryOnEmfile(() => openSync(path, 'r'));
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Replaces a small file atomically: write a temporary, fsync it, rename, fsync the dir. */
export function writeFileAtomic(dir: string, name: string, data: string | Buffer): void {
  const tmp = join(dir, `${name}.tmp`);
  writeFileDurably(tmp, data);
  renameSync(tmp, join(dir, name));
  fsyncDir(dir);
}
