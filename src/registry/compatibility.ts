// Compatibility levels, as Confluent's Schema Registry defines them: BACKWARD (the new schema
// reads data written with the old), FORWARD (the old reads the new's), FULL (both), each
// against the latest version or, _TRANSITIVE, against every version; NONE checks nothing.
import type { Incompatibility, ParsedSchema, SchemaFormat } from './formats/format.js';

export const COMPATIBILITY_LEVELS = ['NONE', 'BACKWARD', 'BACKWARD_TRANSITIVE', 'FORWARD', 'FORWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE'] as const;
export type CompatibilityLevel = (typeof COMPATIBILITY_LEVELS)[number];

export function parseCompatibility(v: unknown): CompatibilityLevel | undefined {
  if (typeof v !== 'string') return undefined;
  const upper = v.toUpperCase();
  return (COMPATIBILITY_LEVELS as readonly string[]).includes(upper) ? (upper as CompatibilityLevel) : undefined;
}

export function isTransitive(level: CompatibilityLevel): boolean {
  return level.endsWith('_TRANSITIVE');
}

/** An earlier version to check against: its number, its text, and its parsed form. */
export interface PreviousVersion<P extends ParsedSchema> {
  version: number;
  schema: string;
  parsed: P;
}

/**
 * The messages explaining why `candidate` may not follow `previous` (oldest first) at
 * `level`; empty when it may. Non-transitive levels look at the last of `previous` only.
 * The messages follow the shape of Confluent's verbose answers.
 */
export function incompatibilityMessages<P extends ParsedSchema>(
  format: SchemaFormat<P>, level: CompatibilityLevel, candidate: P, previous: ReadonlyArray<PreviousVersion<P>>,
): string[] {
  if (level === 'NONE' || previous.length === 0) return [];
  const against = isTransitive(level) ? [...previous].reverse() : [previous[previous.length - 1]!];
  const backward = level.startsWith('BACKWARD') || level.startsWith('FULL');
  const forward = level.startsWith('FORWARD') || level.startsWith('FULL');
  for (const old of against) {
    const found: Incompatibility[] = [];
    if (backward) found.push(...format.incompatibilities(candidate, old.parsed));
    if (forward) found.push(...format.incompatibilities(old.parsed, candidate));
    if (found.length > 0) {
      return [
        ...found.map((f) => `{errorType:'${f.type}', description:'${f.message}', location:'${f.location}'}`),
        `{oldSchemaVersion: ${old.version}}`,
        `{oldSchema: '${old.schema}'}`,
        `{compatibility: '${level}'}`,
      ];
    }
  }
  return [];
}
