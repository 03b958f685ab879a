// The object store as a local directory: the embedded default (no S3 needed) and a
// stand-in for tests. Keys map to files under the root; writes are atomic (temporary
// file, fsync, rename) so a crash never leaves half an object under its real name.
import { createHash } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type { ByteRange, ObjectInfo, ObjectStore, PutResult } from './object-store.js';
import { ObjectNotFoundError } from './tier-errors.js';

function etagOf(body: Buffer): string {
  return `"${createHash('md5').update(body).digest('hex')}"`;
}

export class LocalObjectStore implements ObjectStore {
  constructor(readonly root: string) {}

  private path(key: string): string {
    if (key.includes('..') || key.startsWith('/')) throw new RangeError(`invalid object key ${key}`);
    return join(this.root, ...key.split('/'));
  }

  async put(key: string, body: Buffer): Promise<PutResult> {
    const path = this.path(key);
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(body);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
    return { etag: etagOf(body) };
  }

  async get(key: string, range?: ByteRange): Promise<Buffer> {
    let body: Buffer;
    try {
      body = await readFile(this.path(key));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new ObjectNotFoundError(key);
      throw err;
    }
    return range === undefined ? body : body.subarray(range.start, range.end + 1);
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const st = await stat(this.path(key));
      return { key, size: st.size, etag: etagOf(await readFile(this.path(key))) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }

  async list(prefix: string): Promise<string[]> {
    const out: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw err;
      }
      for (const e of entries) {
        const p = join(dir, e.name);
        if (e.isDirectory()) await walk(p);
        else if (!e.name.includes('.tmp-')) out.push(relative(this.root, p).split(sep).join('/'));
      }
    };
    await walk(this.root);
    return out.filter((k) => k.startsWith(prefix)).sort();
  }
}
