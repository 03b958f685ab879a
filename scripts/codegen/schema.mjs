// Reading Kafka's message schemas: JSON with // comments, version ranges like "0+",
// "3-5" or "none".
import { readFileSync } from 'node:fs';

export function loadSchema(path) {
  const text = readFileSync(path, 'utf8').replace(/^\s*\/\/.*$/gm, '');
  return JSON.parse(text);
}

/** {min, max} with max = Infinity for "N+"; null for "none" or missing. */
export function parseVersions(spec) {
  if (spec === undefined || spec === 'none') return null;
  const plus = /^(\d+)\+$/.exec(spec);
  if (plus) return { min: Number(plus[1]), max: Infinity };
  const range = /^(\d+)-(\d+)$/.exec(spec);
  if (range) return { min: Number(range[1]), max: Number(range[2]) };
  const single = /^(\d+)$/.exec(spec);
  if (single) return { min: Number(single[1]), max: Number(single[1]) };
  throw new Error(`bad version spec ${spec}`);
}

/** Intersection of two ranges (null when empty). */
export function intersect(a, b) {
  if (a === null || b === null) return null;
  const min = Math.max(a.min, b.min);
  const max = Math.min(a.max, b.max);
  return min <= max ? { min, max } : null;
}

/**
 * A TypeScript condition on `version` that is true inside `range`, simplified against
 * the versions the message exists in (`valid`). Returns 'true' or 'false' when constant.
 */
export function condition(range, valid) {
  const r = intersect(range, valid);
  if (r === null) return 'false';
  const parts = [];
  if (r.min > valid.min) parts.push(`version >= ${r.min}`);
  if (r.max < valid.max) parts.push(`version <= ${r.max}`);
  return parts.length === 0 ? 'true' : parts.join(' && ');
}

export function camel(name) {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

export function kebab(name) {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}
