// Kafka message schema → one TypeScript module: interfaces for the message and its
// structs, defaults, and version-aware read/write functions (flexible versions with
// compact types and tagged fields included). Conditions on `version` are inlined, as in
// franz-go's generated code, rather than one function per version.
import { HEADER } from './error-codes.mjs';
import { camel, condition, intersect, parseVersions } from './schema.mjs';

const PRIMITIVE_TS = {
  int8: 'number', int16: 'number', uint16: 'number', int32: 'number', uint32: 'number', int64: 'number',
  float64: 'number', bool: 'boolean', string: 'string', bytes: 'Buffer', records: 'Buffer', uuid: 'string',
};

class MessageGen {
  constructor(schema) {
    this.schema = schema;
    this.name = schema.name;
    this.valid = parseVersions(schema.validVersions);
    this.flexible = parseVersions(schema.flexibleVersions);
    this.structs = new Map(); // type name → {fields, versions}
    for (const c of schema.commonStructs ?? []) this.structs.set(c.name, { name: c.name, fields: c.fields });
    this.collect(this.name, schema.fields);
  }

  collect(name, fields) {
    if (!this.structs.has(name)) this.structs.set(name, { name, fields });
    for (const f of fields) {
      const t = elementType(f.type);
      if (f.fields !== undefined) this.collect(t, f.fields);
    }
    for (const f of fields) {
      const t = elementType(f.type);
      if (f.fields === undefined && !(t in PRIMITIVE_TS) && !this.structs.has(t)) {
        throw new Error(`${this.name}: unknown type ${t}`);
      }
    }
  }

  flexCond() {
    return this.flexible === null ? 'false' : condition(this.flexible, this.valid);
  }

  tsType(f) {
    const t = elementType(f.type);
    const base = t in PRIMITIVE_TS ? PRIMITIVE_TS[t] : t;
    const nullable = f.nullableVersions !== undefined && parseVersions(f.nullableVersions) !== null;
    const ty = isArray(f.type) ? `${base}[]` : base;
    return nullable ? `${ty} | null` : ty;
  }

  defaultExpr(f) {
    const t = elementType(f.type);
    const d = f.default;
    const nullable = f.nullableVersions !== undefined && parseVersions(f.nullableVersions) !== null;
    if (d === 'null' && nullable) return 'null';
    if (isArray(f.type)) return '[]';
    switch (t) {
      case 'bool': return d === 'true' ? 'true' : 'false';
      case 'string': return JSON.stringify(d ?? '');
      case 'bytes': case 'records': return nullable ? 'null' : 'EMPTY_BYTES';
      case 'uuid': return 'ZERO_UUID';
      case 'int8': case 'int16': case 'uint16': case 'int32': case 'uint32': case 'int64': case 'float64':
        return d === undefined ? '0' : String(Number(d));
      default: return `default${t}()`;
    }
  }

  /** The expression reading one value of type t (no array) with the field's encoding. */
  readValue(t, f, compact, nullable) {
    switch (t) {
      case 'int8': case 'int16': case 'uint16': case 'int32': case 'uint32': case 'int64': case 'float64': case 'bool': case 'uuid':
        return `r.${t}()`;
      case 'string': return `r.${compact ? 'compact' : ''}${compact ? (nullable ? 'NullableString' : 'String') : (nullable ? 'nullableString' : 'string')}()`;
      case 'bytes': case 'records': return `r.${compact ? (nullable ? 'compactNullableBytes' : 'compactBytes') : (nullable ? 'nullableBytes' : 'bytes')}()`;
      default: return `read${t}(r, version)`;
    }
  }

  writeValue(t, expr, compact, nullable) {
    switch (t) {
      case 'int8': case 'int16': case 'uint16': case 'int32': case 'uint32': case 'int64': case 'float64': case 'bool': case 'uuid':
        return `w.${t}(${expr})`;
      case 'string': return `w.${compact ? (nullable ? 'compactNullableString' : 'compactString') : (nullable ? 'nullableString' : 'string')}(${expr})`;
      case 'bytes': case 'records': return `w.${compact ? (nullable ? 'compactNullableBytes' : 'compactBytes') : (nullable ? 'nullableBytes' : 'bytes')}(${expr})`;
      default: return `write${t}(w, version, ${expr})`;
    }
  }

  /** Whether compact encoding can matter for this field, and when it is nullable. */
  encodingConds(f) {
    const t = elementType(f.type);
    const own = intersect(parseVersions(f.versions), this.valid);
    const nullableR = parseVersions(f.nullableVersions);
    const nullCond = nullableR === null || own === null ? 'false' : condition(nullableR, own);
    const varying = isArray(f.type) || t === 'string' || t === 'bytes' || t === 'records';
    const compactCond = f.flexibleVersions === 'none' || !varying || this.flexCond() === 'false' ? 'false' : 'flexible';
    return { t, nullableR, nullCond, compactCond };
  }

  /** Code reading field f into o.<name>, given compact (flexible) and nullable conditions as JS expressions. */
  readField(f, target) {
    const { t, nullCond, compactCond } = this.encodingConds(f);
    const branches = (fn) => {
      // Expand the (compact, nullable) combinations that can occur.
      const combos = [];
      for (const c of compactCond === 'false' ? [false] : [true, false]) {
        for (const n of nullCond === 'false' ? [false] : nullCond === 'true' ? [true] : [true, false]) combos.push([c, n]);
      }
      if (combos.length === 1) return fn(...combos[0]);
      const parts = combos.map(([c, n]) => {
        const conds = [];
        if (compactCond !== 'false') conds.push(c ? 'flexible' : '!flexible');
        if (nullCond !== 'false' && nullCond !== 'true') conds.push(n ? `(${nullCond})` : `!(${nullCond})`);
        return { cond: conds.join(' && '), expr: fn(c, n) };
      });
      let out = parts[parts.length - 1].expr;
      for (let i = parts.length - 2; i >= 0; i--) out = `(${parts[i].cond}) ? ${parts[i].expr} : ${out}`;
      return out;
    };
    if (isArray(f.type)) {
      return `${target} = ${branches((c, n) => `r.${n ? 'nullableArray' : 'array'}(${c}, (r) => ${this.readValue(t, f, c, false)})`)};`;
    }
    if (!(t in PRIMITIVE_TS) && nullCond !== 'false') {
      return `${target} = r.int8() < 0 ? null : ${this.readValue(t, f, false, false)};`;
    }
    return `${target} = ${branches((c, n) => this.readValue(t, f, c, n))};`;
  }

  writeField(f, expr) {
    const { t, nullableR, nullCond, compactCond } = this.encodingConds(f);
    const tsNullable = nullableR !== null;
    // A null in a version where the field is not nullable is written as its empty value.
    const nn = tsNullable ? `(${expr} ?? ${this.emptyOf(f)})` : expr;
    const pick = (fn) => {
      const variants = [];
      for (const c of compactCond === 'false' ? [false] : [true, false]) {
        for (const n of nullCond === 'false' ? [false] : nullCond === 'true' ? [true] : [true, false]) variants.push([c, n]);
      }
      if (variants.length === 1) return `${fn(...variants[0])};`;
      const lines = [];
      variants.forEach(([c, n], i) => {
        const conds = [];
        if (compactCond !== 'false') conds.push(c ? 'flexible' : '!flexible');
        if (nullCond !== 'false' && nullCond !== 'true') conds.push(n ? `(${nullCond})` : `!(${nullCond})`);
        const kw = i === 0 ? 'if' : i === variants.length - 1 ? 'else' : 'else if';
        lines.push(kw === 'else' ? `else ${fn(c, n)};` : `${kw} (${conds.join(' && ')}) ${fn(c, n)};`);
      });
      return lines.join(' ');
    };
    if (isArray(f.type)) {
      return pick((c, n) => `w.array(${c}, ${n ? expr : nn}, (w, v) => ${this.writeValue(t, 'v', c, false)})`);
    }
    if (!(t in PRIMITIVE_TS) && nullCond !== 'false') {
      return `if (${expr} === null) w.int8(-1); else { w.int8(1); ${this.writeValue(t, expr, false, false)}; }`;
    }
    return pick((c, n) => this.writeValue(t, n ? expr : nn, c, n));
  }

  emptyOf(f) {
    const t = elementType(f.type);
    if (isArray(f.type)) return '[]';
    if (t === 'string') return "''";
    if (t === 'bytes' || t === 'records') return 'EMPTY_BYTES';
    if (t in PRIMITIVE_TS) return '0';
    return `default${t}()`;
  }

  isDefaultExpr(f, expr) {
    const d = this.defaultExpr(f);
    if (isArray(f.type)) return `(${expr} === null || ${expr}.length === 0)`;
    const t = elementType(f.type);
    if (t === 'bytes' || t === 'records') return `(${expr} === null || ${expr}.length === 0)`;
    if (!(t in PRIMITIVE_TS)) return `(${expr} === null || isDefault${t}(${expr}))`;
    return `${expr} === ${d}`;
  }

  struct(s) {
    const lines = [];
    const fields = s.fields;
    lines.push(`export interface ${s.name} {`);
    for (const f of fields) {
      if (f.about) lines.push(`  /** ${f.about.replace(/\*\//g, '*\\/').replace(/\s+/g, ' ')} */`);
      lines.push(`  ${camel(f.name)}: ${this.tsType(f)};`);
    }
    lines.push('}', '');
    lines.push(`export function default${s.name}(): ${s.name} {`);
    lines.push(`  return {${fields.map((f) => ` ${camel(f.name)}: ${this.defaultExpr(f)}`).join(',')} };`);
    lines.push('}', '');
    lines.push(`/** True when every field holds its default (tagged fields are then left out). */`);
    lines.push(`export function isDefault${s.name}(o: ${s.name}): boolean {`);
    lines.push(`  return ${fields.length === 0 ? 'true' : fields.map((f) => this.isDefaultExpr(f, `o.${camel(f.name)}`)).join(' && ')};`);
    lines.push('}', '');
    // read
    const flex = this.flexCond();
    lines.push(`export function read${s.name}(r: Reader, version: number): ${s.name} {`);
    lines.push(`  const flexible = ${flex};`);
    lines.push(`  const o = default${s.name}();`);
    const tagged = [];
    for (const f of fields) {
      const vr = parseVersions(f.versions);
      const tv = parseVersions(f.taggedVersions);
      if (tv !== null) tagged.push(f);
      const regular = tv === null ? vr : subtract(vr, tv);
      const cond = regular === null ? 'false' : condition(regular, this.valid);
      if (cond === 'false') continue;
      const code = this.readField(f, `o.${camel(f.name)}`);
      lines.push(cond === 'true' ? `  ${code}` : `  if (${cond}) ${code}`);
    }
    if (tagged.length === 0) {
      lines.push('  if (flexible) r.taggedFields();');
    } else {
      lines.push('  if (flexible) {');
      lines.push('    r.taggedFields((tag, r) => {');
      lines.push('      switch (tag) {');
      for (const f of tagged) {
        const cond = condition(parseVersions(f.taggedVersions), this.valid);
        lines.push(`        case ${f.tag}:`);
        lines.push(`          if (${cond}) { ${this.readField(f, `o.${camel(f.name)}`)} return true; }`);
        lines.push('          return false;');
      }
      lines.push('        default:');
      lines.push('          return false;');
      lines.push('      }');
      lines.push('    });');
      lines.push('  }');
    }
    lines.push('  return o;', '}', '');
    // write
    lines.push(`export function write${s.name}(w: Writer, version: number, o: ${s.name}): void {`);
    lines.push(`  const flexible = ${flex};`);
    for (const f of fields) {
      const vr = parseVersions(f.versions);
      const tv = parseVersions(f.taggedVersions);
      const regular = tv === null ? vr : subtract(vr, tv);
      const cond = regular === null ? 'false' : condition(regular, this.valid);
      if (cond === 'false') continue;
      const code = this.writeField(f, `o.${camel(f.name)}`);
      lines.push(cond === 'true' ? `  ${code}` : `  if (${cond}) { ${code} }`);
    }
    if (tagged.length === 0) {
      lines.push('  if (flexible) w.unsignedVarint(0);');
    } else {
      lines.push('  if (flexible) {');
      const sorted = [...tagged].sort((a, b) => a.tag - b.tag);
      sorted.forEach((f, i) => {
        const cond = condition(parseVersions(f.taggedVersions), this.valid);
        lines.push(`    const t${i} = (${cond}) && !(${this.isDefaultExpr(f, `o.${camel(f.name)}`)});`);
      });
      lines.push(`    w.unsignedVarint(${sorted.map((_, i) => `(t${i} ? 1 : 0)`).join(' + ')});`);
      sorted.forEach((f, i) => {
        lines.push(`    if (t${i}) w.tagged(${f.tag}, (w) => { ${this.writeField(f, `o.${camel(f.name)}`)} });`);
      });
      lines.push('  }');
    }
    lines.push('}', '');
    return lines.join('\n');
  }

  module() {
    const out = [HEADER];
    out.push(`// Source: ${this.name}.json — valid versions ${this.schema.validVersions}, flexible ${this.schema.flexibleVersions ?? 'none'}.`);
    out.push("/* eslint-disable */");
    out.push("import { Reader, ZERO_UUID, EMPTY_BYTES } from '../primitives/reader.js';");
    out.push("import { Writer } from '../primitives/writer.js';", '');
    out.push('void ZERO_UUID;', 'void EMPTY_BYTES;', '');
    const f = this.flexible;
    out.push(`export const ${this.name}Meta = {`);
    if (this.schema.apiKey !== undefined) out.push(`  apiKey: ${this.schema.apiKey},`);
    out.push(`  name: '${this.name}',`, `  minVersion: ${this.valid.min},`, `  maxVersion: ${this.valid.max},`);
    out.push(`  /** First flexible version, or -1. */`, `  flexibleFrom: ${f === null ? -1 : f.min},`, '} as const;', '');
    // The message struct first, then its nested and common structs.
    const ordered = [this.structs.get(this.name), ...[...this.structs.values()].filter((s) => s.name !== this.name)];
    for (const s of ordered) out.push(this.struct(s));
    return out.join('\n');
  }
}

function isArray(t) {
  return t.startsWith('[]');
}

function elementType(t) {
  return isArray(t) ? t.slice(2) : t;
}

/** Versions in a but not tagged in b (tagged fields are only in the tag section there). */
function subtract(a, b) {
  if (a === null) return null;
  if (b === null) return a;
  if (b.min <= a.min && b.max >= a.max) return null;
  if (b.min > a.min) return { min: a.min, max: Math.min(a.max, b.min - 1) };
  return { min: Math.max(a.min, b.max + 1), max: a.max };
}

export function generateMessage(schema) {
  return new MessageGen(schema).module();
}
