// LogDirs over the data directory: its absolute path and its file system's size and free
// space (statfs, read at each call: DescribeLogDirs is an operator's request, not a hot path).
import { statfsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { LogDirInfo, LogDirs } from '../services/log-dirs.js';

export function dataDirLogDirs(dataDir: string): LogDirs {
  const path = resolve(dataDir);
  return {
    list(): LogDirInfo[] {
      try {
        const s = statfsSync(path);
        return [{ path, totalBytes: s.blocks * s.bsize, usableBytes: s.bavail * s.bsize }];
      } catch {
        return [{ path, totalBytes: -1, usableBytes: -1 }];
      }
    },
  };
}
