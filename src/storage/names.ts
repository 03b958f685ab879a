// File names in a partition directory: one place for suffixes and formats.
// docs/on-disk-format.md describes them.
export const LOG_SUFFIX = '.log';
export const OFFSET_INDEX_SUFFIX = '.index';
export const TIME_INDEX_SUFFIX = '.timeindex';
/** Written last on a clean close, removed on open: its absence means "recover". */
export const CLEAN_SHUTDOWN_FILE = '.clean-shutdown';
/** Offset below which every segment is known to be fsynced (written at roll). */
export const RECOVERY_POINT_FILE = 'recovery-point';
/** Base offsets are zero-padded to 20 digits, as Kafka does, so names sort by offset. */
const OFFSET_DIGITS = 20;

export function segmentBaseName(baseOffset: number): string {
  return String(baseOffset).padStart(OFFSET_DIGITS, '0');
}

export function logFileName(baseOffset: number): string {
  return segmentBaseName(baseOffset) + LOG_SUFFIX;
}

export function offsetIndexFileName(baseOffset: number): string {
  return segmentBaseName(baseOffset) + OFFSET_INDEX_SUFFIX;
}

export function timeIndexFileName(baseOffset: number): string {
  return segmentBaseName(baseOffset) + TIME_INDEX_SUFFIX;
}

/** The base offset of a segment file name, or undefined for other files. */
export function parseLogFileName(name: string): number | undefined {
  if (!name.endsWith(LOG_SUFFIX)) return undefined;
  const digits = name.slice(0, -LOG_SUFFIX.length);
  if (!/^\d{20}$/.test(digits)) return undefined;
  return Number(digits);
}

/** The log cleaner's commit record: present while cleaned files replace old segments. */
export const CLEANER_SWAP_FILE = 'strata-cleaner-swap';
/** Offset below which the log cleaner has cleaned (Kafka's cleaner-offset-checkpoint). */
export const CLEANER_CHECKPOINT_FILE = 'strata-cleaner-checkpoint';
/** Suffix of a log cleaner output not yet installed. */
export const CLEANED_SUFFIX = '.cleaned';
