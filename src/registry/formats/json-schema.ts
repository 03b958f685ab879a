// JSON Schema: validity through ajv (drafts 7, 2019-09 and 2020-12, by the schema's
// $schema), and compatibility by comparing the two schemas as Confluent's JsonSchemaDiff
// does: a reader schema is compatible when every document the writer schema accepts is
// accepted by the reader. The comparison covers types, properties (open and closed content
// models), required, additionalProperties, enums and const, string/number/array bounds,
// items, and anyOf/oneOf/allOf; constructs it does not model (not, if/then/else,
// patternProperties, dependencies…) must be equal, so a change to them is reported rather
// than waved through. References within the schema (#/definitions/…, #/$defs/…) are followed.
import { Ajv, type AnySchema } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { Incompatibility, ParsedSchema, ResolvedReference, SchemaFormat } from './format.js';

// ajv-formats is CommonJS with a default export.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

type Json = boolean | Record<string, unknown>;

export interface ParsedJsonSchema extends ParsedSchema {
  readonly json: Json;
}

function newAjv(schema: Json): Ajv {
  const draft = typeof schema === 'object' && typeof schema.$schema === 'string' ? schema.$schema : '';
  const options = { strict: false, allErrors: false, validateSchema: true };
  const ajv = draft.includes('2020-12') ? new Ajv2020(options) : draft.includes('2019-09') ? new Ajv2019(options) : new Ajv(options);
  addFormats(ajv);
  return ajv;
}

/** Keywords compared structurally below; any other keyword must be equal on both sides. */
const MODELLED = new Set([
  'type', 'properties', 'required', 'additionalProperties', 'enum', 'const', 'items', 'prefixItems', 'anyOf', 'oneOf', 'allOf',
  'maxLength', 'minLength', 'maximum', 'minimum', 'exclusiveMaximum', 'exclusiveMinimum', 'maxItems', 'minItems',
  'maxProperties', 'minProperties', 'multipleOf', 'uniqueItems', 'pattern', 'format', '$ref',
  // Annotations and structure that do not change which documents are valid.
  '$schema', '$id', 'id', 'title', 'description', 'default', 'examples', 'definitions', '$defs', '$comment', 'readOnly', 'writeOnly', 'deprecated',
]);

const deepEqual = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

class Diff {
  readonly found: Incompatibility[] = [];
  private depth = 0;

  constructor(private readonly readerRoot: Json, private readonly writerRoot: Json) {}

  private report(type: string, location: string, message: string): void {
    this.found.push({ type, location: location === '' ? '#/' : location, message });
  }

  /** Follows a local $ref (with a bound, so a recursive schema terminates). */
  private resolve(s: Json, root: Json): Json {
    let cur = s;
    for (let i = 0; i < 16 && typeof cur === 'object' && typeof cur.$ref === 'string' && cur.$ref.startsWith('#'); i++) {
      const path = cur.$ref.slice(1).split('/').filter((p) => p !== '').map((p) => decodeURIComponent(p.replace(/~1/g, '/').replace(/~0/g, '~')));
      let at: unknown = root;
      for (const p of path) at = (at as Record<string, unknown> | undefined)?.[p];
      if (at === undefined || (typeof at !== 'object' && typeof at !== 'boolean')) return cur;
      const { $ref: _ref, ...rest } = cur;
      cur = Object.keys(rest).length === 0 ? (at as Json) : { ...(at as Record<string, unknown>), ...rest };
    }
    return cur;
  }

  compare(readerIn: Json | undefined, writerIn: Json | undefined, at: string): void {
    if (readerIn === undefined || writerIn === undefined) return;
    if (++this.depth > 64) { this.depth--; return; }
    try {
      this.compareResolved(this.resolve(readerIn, this.readerRoot), this.resolve(writerIn, this.writerRoot), at);
    } finally {
      this.depth--;
    }
  }

  private compareResolved(reader: Json, writer: Json, at: string): void {
    if (reader === true || writer === false) return;
    if (reader === false) return this.report('TYPE_NARROWED', at, 'the reader accepts nothing');
    if (writer === true) writer = {};
    if (Object.keys(reader).length === 0) return;
    for (const key of new Set([...Object.keys(reader), ...Object.keys(writer)])) {
      if (!MODELLED.has(key) && !deepEqual(reader[key], writer[key])) this.report('KEYWORD_CHANGED', `${at}/${key}`, `"${key}" changed`);
    }
    if (typeof reader.$ref === 'string' || typeof writer.$ref === 'string') {
      // A reference outside this schema: compatible only when both name the same one.
      if (reader.$ref !== writer.$ref) this.report('REFERENCE_CHANGED', `${at}/$ref`, `reference ${String(writer.$ref)} became ${String(reader.$ref)}`);
      return;
    }
    this.compareCombined(reader, writer, at);
    this.compareTypes(reader, writer, at);
    this.compareEnum(reader, writer, at);
    this.compareBounds(reader, writer, at);
    this.compareObject(reader, writer, at);
    this.compareArray(reader, writer, at);
  }

  private compareCombined(reader: Record<string, unknown>, writer: Record<string, unknown>, at: string): void {
    for (const key of ['anyOf', 'oneOf'] as const) {
      const r = reader[key] as Json[] | undefined;
      const w = writer[key] as Json[] | undefined;
      if (r === undefined) {
        // The writer's alternatives must each be readable by the (uncombined) reader: checked member by member.
        if (w !== undefined) w.forEach((branch, i) => this.compare(stripCombined(reader), branch, `${at}/${key}/${i}`));
        continue;
      }
      const writerBranches = w ?? [stripCombined(writer)];
      writerBranches.forEach((branch, i) => {
        if (!r.some((option) => this.quietlyCompatible(option, branch))) {
          this.report(w === undefined ? 'SUM_TYPE_NARROWED' : 'COMBINED_TYPE_SUBSCHEMAS_CHANGED', `${at}/${key}/${i}`, `no ${key} alternative of the reader accepts the writer's ${w === undefined ? 'schema' : `alternative ${i}`}`);
        }
      });
    }
    const rAll = reader.allOf as Json[] | undefined;
    if (rAll !== undefined) {
      const wAll = writer.allOf as Json[] | undefined;
      rAll.forEach((branch, i) => {
        // Each constraint the reader adds must hold for the writer's data: met by the writer's whole schema or one of its allOf parts.
        const candidates = wAll ?? [stripCombined(writer)];
        if (!candidates.some((c) => this.quietlyCompatible(branch, c)) && !this.quietlyCompatible(branch, stripCombined(writer))) {
          this.report('PRODUCT_TYPE_EXTENDED', `${at}/allOf/${i}`, `the reader's allOf part ${i} is not met by the writer's schema`);
        }
      });
    }
  }

  private quietlyCompatible(reader: Json, writer: Json): boolean {
    const probe = new Diff(this.readerRoot, this.writerRoot);
    probe.compare(reader, writer, '');
    return probe.found.length === 0;
  }

  private compareTypes(reader: Record<string, unknown>, writer: Record<string, unknown>, at: string): void {
    if (reader.type === undefined) return;
    const readerTypes = new Set(typeList(reader.type));
    if (writer.type === undefined) {
      if (writer.enum === undefined && writer.const === undefined) this.report('TYPE_NARROWED', `${at}/type`, `the writer accepts any type, the reader only ${[...readerTypes].join(', ')}`);
      return;
    }
    for (const t of typeList(writer.type)) {
      const ok = readerTypes.has(t) || (t === 'integer' && readerTypes.has('number'));
      if (!ok) this.report(readerTypes.size === 1 && typeList(writer.type).length === 1 ? 'TYPE_CHANGED' : 'TYPE_NARROWED', `${at}/type`, `the writer's ${t} is not a type the reader accepts`);
    }
  }

  private compareEnum(reader: Record<string, unknown>, writer: Record<string, unknown>, at: string): void {
    const values = (s: Record<string, unknown>): unknown[] | undefined => (s.const !== undefined ? [s.const] : (s.enum as unknown[] | undefined));
    const r = values(reader);
    if (r === undefined) return;
    const w = values(writer);
    if (w === undefined) return this.report('ENUM_ARRAY_NARROWED', `${at}/enum`, 'the reader restricts the values to an enum the writer did not have');
    const missing = w.filter((v) => !r.some((x) => deepEqual(x, v)));
    if (missing.length > 0) this.report('ENUM_ARRAY_NARROWED', `${at}/enum`, `the reader no longer accepts ${missing.map((m) => JSON.stringify(m)).join(', ')}`);
  }

  private compareBounds(reader: Record<string, unknown>, writer: Record<string, unknown>, at: string): void {
    const upper = (key: string, name: string): void => {
      const r = reader[key];
      if (typeof r !== 'number') return;
      const w = writer[key];
      if (typeof w !== 'number') this.report(`${name}_ADDED`, `${at}/${key}`, `the reader adds ${key} ${r}`);
      else if (r < w) this.report(`${name}_DECREASED`, `${at}/${key}`, `${key} decreased from ${w} to ${r}`);
    };
    const lower = (key: string, name: string): void => {
      const r = reader[key];
      if (typeof r !== 'number') return;
      const w = writer[key];
      if (typeof w !== 'number') this.report(`${name}_ADDED`, `${at}/${key}`, `the reader adds ${key} ${r}`);
      else if (r > w) this.report(`${name}_INCREASED`, `${at}/${key}`, `${key} increased from ${w} to ${r}`);
    };
    upper('maxLength', 'MAX_LENGTH');
    lower('minLength', 'MIN_LENGTH');
    upper('maximum', 'MAXIMUM');
    lower('minimum', 'MINIMUM');
    upper('exclusiveMaximum', 'EXCLUSIVE_MAXIMUM');
    lower('exclusiveMinimum', 'EXCLUSIVE_MINIMUM');
    upper('maxItems', 'MAX_ITEMS');
    lower('minItems', 'MIN_ITEMS');
    upper('maxProperties', 'MAX_PROPERTIES');
    lower('minProperties', 'MIN_PROPERTIES');
    const rm = reader.multipleOf;
    if (typeof rm === 'number') {
      const wm = writer.multipleOf;
      if (typeof wm !== 'number' || !Number.isInteger(wm / rm)) this.report('MULTIPLE_OF_CHANGED', `${at}/multipleOf`, `multipleOf ${String(wm)} became ${rm}`);
    }
    if (reader.uniqueItems === true && writer.uniqueItems !== true) this.report('UNIQUE_ITEMS_ADDED', `${at}/uniqueItems`, 'the reader requires unique items');
    for (const key of ['pattern', 'format']) {
      if (reader[key] !== undefined && reader[key] !== writer[key]) this.report(`${key.toUpperCase()}_${writer[key] === undefined ? 'ADDED' : 'CHANGED'}`, `${at}/${key}`, `${key} ${JSON.stringify(writer[key] ?? null)} became ${JSON.stringify(reader[key])}`);
    }
  }

  private compareObject(reader: Record<string, unknown>, writer: Record<string, unknown>, at: string): void {
    const rProps = (reader.properties ?? {}) as Record<string, Json>;
    const wProps = (writer.properties ?? {}) as Record<string, Json>;
    const rRequired = new Set((reader.required ?? []) as string[]);
    const wRequired = new Set((writer.required ?? []) as string[]);
    const writerOpen = writer.additionalProperties !== false;
    const rAdditional = reader.additionalProperties as Json | undefined;
    const wAdditional = writer.additionalProperties as Json | undefined;
    for (const [name, schema] of Object.entries(rProps)) {
      const where = `${at}/properties/${name}`;
      if (name in wProps) {
        this.compare(schema, wProps[name], where);
      } else if (writerOpen) {
        // Data from the writer may already hold anything under this name.
        const anything = wAdditional === undefined || wAdditional === true ? true : wAdditional;
        if (!this.quietlyCompatible(schema, anything)) this.report('PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL', where, `property ${name} added to an open content model`);
      } else if (rRequired.has(name)) {
        this.report('REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL', where, `required property ${name} added`);
      }
    }
    for (const [name, schema] of Object.entries(wProps)) {
      if (name in rProps) continue;
      const where = `${at}/properties/${name}`;
      if (rAdditional === false) this.report('PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL', where, `property ${name} removed from a closed content model`);
      else if (rAdditional !== undefined && rAdditional !== true) this.compare(rAdditional, schema, where);
    }
    for (const name of rRequired) {
      if (!wRequired.has(name) && name in wProps) this.report('REQUIRED_ATTRIBUTE_ADDED', `${at}/required`, `property ${name} became required`);
    }
    if (rAdditional === false && writerOpen) this.report('ADDITIONAL_PROPERTIES_REMOVED', `${at}/additionalProperties`, 'the reader closes the content model');
    else if (rAdditional !== undefined && rAdditional !== true && rAdditional !== false) {
      if (wAdditional === undefined || wAdditional === true) this.report('ADDITIONAL_PROPERTIES_NARROWED', `${at}/additionalProperties`, 'the reader constrains additional properties');
      else if (wAdditional !== false) this.compare(rAdditional, wAdditional, `${at}/additionalProperties`);
    }
  }

  private compareArray(reader: Record<string, unknown>, writer: Record<string, unknown>, at: string): void {
    const r = reader.items;
    const w = writer.items;
    if (r === undefined) return;
    if (Array.isArray(r) || Array.isArray(w)) {
      if (!deepEqual(r, w)) this.report('ITEMS_CHANGED', `${at}/items`, 'tuple items changed');
      return;
    }
    if (w === undefined) {
      if (!this.quietlyCompatible(r as Json, true)) this.report('ITEMS_NARROWED', `${at}/items`, 'the reader constrains the items');
      return;
    }
    this.compare(r as Json, w as Json, `${at}/items`);
  }
}

function typeList(t: unknown): string[] {
  return Array.isArray(t) ? (t as string[]) : [t as string];
}

function stripCombined(s: Json): Json {
  if (typeof s === 'boolean') return s;
  const { anyOf: _a, oneOf: _o, allOf: _l, ...rest } = s;
  return rest;
}

export const jsonSchemaFormat: SchemaFormat<ParsedJsonSchema> = {
  type: 'JSON',
  parse(schema: string, references: readonly ResolvedReference[]): ParsedJsonSchema {
    const json: unknown = JSON.parse(schema);
    if (typeof json !== 'boolean' && (typeof json !== 'object' || json === null || Array.isArray(json))) throw new Error('a JSON Schema is an object or a boolean');
    const ajv = newAjv(json as Json);
    for (const ref of references) {
      if (ref.schemaType !== 'JSON') throw new Error(`reference ${ref.name} is ${ref.schemaType}, not JSON`);
      ajv.addSchema(JSON.parse(ref.schema) as AnySchema, ref.name);
    }
    ajv.compile(json as AnySchema);
    return { type: 'JSON', canonical: JSON.stringify(json), json: json as Json };
  },
  incompatibilities(reader: ParsedJsonSchema, writer: ParsedJsonSchema): Incompatibility[] {
    const diff = new Diff(reader.json, writer.json);
    diff.compare(reader.json, writer.json, '#');
    return diff.found;
  },
};
