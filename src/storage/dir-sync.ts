// fsync of a directory makes file creations, renames and deletions in it durable.
import { closeSync, fsyncSync, openSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { retryOnEmfile } from './fd-cache.js';

export function fsyncDir(dir: string): void {
  const fd = retryOnEmfile(() => openSync(dir, 'r'));
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
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
