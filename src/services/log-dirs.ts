// The broker's log directories as DescribeLogDirs reports them: where partitions live and
// how much room the file system has. One directory today (--data-dir).
export interface LogDirInfo {
  /** The directory's absolute path. */
  path: string;
  totalBytes: number;
  usableBytes: number;
}

export interface LogDirs {
  list(): LogDirInfo[];
}
