// The schema registry's state and operations (Confluent Schema Registry semantics): subjects
// with numbered versions, schema ids shared by identical schemas across subjects, soft and
// hard deletes, compatibility levels and modes per subject or global. The `_schemas` log
// is the source of truth: every change is appended there first and applied when read back,
// and a request first reads whatever the log gained since (records copied into the topic
// by a migration, or written by another registry on the same log).
import { RegistryError, registryErrors as E } from './errors.js';
import type { SchemaRegistryService } from '../services/schemas.js';
import { incompatibilityMessages, parseCompatibility, type CompatibilityLevel, type PreviousVersion } from './compatibility.js';
import type { ParsedSchema, ResolvedReference, SchemaFormat, SchemaType } from './formats/format.js';
import { avroFormat } from './formats/avro.js';
import { jsonSchemaFormat } from './formats/json-schema.js';
import { protobufFormat } from './formats/protobuf.js';
import {
  configKey, decodeRecord, modeKey, schemaKey, schemaRecordValue,
  type RegistryRecord, type SchemaReference, type SchemaValue,
} from './schema-records.js';

/**
 * The log the registry keeps its records in: the `_schemas` topic on one node, a PostgreSQL
 * table in cluster mode (where every broker's registry writes the one log).
 */
export interface SchemaLog {
  /**
   * Appends records; resolves once they are durable in the log. `at` is the log end the
   * writer decided on: a log other registries write too refuses with SchemaLogMoved when its
   * end is no longer there (the writer catches up and decides again).
   */
  append(records: ReadonlyArray<{ key: Buffer; value: Buffer | null }>, at: number): Promise<void>;
  /** The records from `offset` on (a bounded chunk) and the offset to read next. */
  readFrom(offset: number): Promise<{ records: Array<{ key: Buffer | null; value: Buffer | null }>; next: number }>;
  /** One past the last record readers may see (a query, for a log other processes write). */
  end(): number | Promise<number>;
}

/** Another registry appended since this one read the log: catch up and decide again. */
export class SchemaLogMoved extends Error {
  constructor(expected: number, actual: number) {
    super(`the schema log's end moved from ${expected} to ${actual}`);
  }
}

/** How often a change is decided again after other registries' appends got in first. */
const MAX_WRITE_ATTEMPTS = 20;

export const MODES = ['READWRITE', 'READONLY', 'READONLY_OVERRIDE', 'IMPORT'] as const;
export type Mode = (typeof MODES)[number];

const FORMATS: Record<SchemaType, SchemaFormat> = { AVRO: avroFormat, JSON: jsonSchemaFormat, PROTOBUF: protobufFormat } as Record<SchemaType, SchemaFormat>;

/** What a client registers, looks up or tests. */
export interface SchemaInput {
  schema: string;
  schemaType: SchemaType;
  references: SchemaReference[];
}

export interface SubjectVersion {
  subject: string;
  version: number;
  id: number;
  schemaType: SchemaType;
  schema: string;
  references: SchemaReference[];
  deleted: boolean;
}

const MAX_VERSION = 2 ** 31 - 1;

function contentKey(type: SchemaType, schema: string, references: readonly SchemaReference[]): string {
  return `${type}\u0000${schema}\u0000${JSON.stringify(references.map((r) => [r.name, r.subject, r.version]))}`;
}

export class SchemaRegistry implements SchemaRegistryService {
  private readonly subjects = new Map<string, Map<number, SchemaValue>>();
  /** Schema id → its content and the subject versions that carry it. */
  private readonly ids = new Map<number, { content: SchemaInput; usedBy: Set<string> }>();
  private readonly idByContent = new Map<string, number>();
  private readonly configs = new Map<string | null, CompatibilityLevel>();
  private readonly modes = new Map<string | null, Mode>();
  private readonly parsed = new Map<number, ParsedSchema>();
  private maxId = 0;
  private applied = 0;
  /** The read in flight, shared by everyone catching up; resolves to whether it moved forward. */
  private catching: Promise<boolean> | undefined;
  private writes: Promise<unknown> = Promise.resolve();

  constructor(private readonly log: SchemaLog) {}

  // ---- the log ----

  /**
   * Applies what the log gained since the last read. The log's end is asked once and that
   * answer awaited here (a log in PostgreSQL answers asynchronously: a dropped answer would be a
   * rejection nobody handles when the pool closes).
   */
  catchUp(): Promise<void> {
    return this.catchUpTo(this.log.end());
  }

  /** Reads up to an end the log gave, however it gave it. */
  private catchUpTo(end: number | Promise<number>): Promise<void> {
    return typeof end === 'number' ? this.readUpTo(end) : end.then((e) => this.readUpTo(e));
  }

  /**
   * Reads and applies records until `end` is applied, one read at a time however many callers
   * wait: a caller joining a read that started earlier goes on reading until its own `end`, so
   * a writer always sees the records it appended.
   */
  private async readUpTo(end: number): Promise<void> {
    while (this.applied < end) {
      this.catching ??= this.readChunk().finally(() => {
        this.catching = undefined;
      });
      // A read that moved nothing (a log whose end runs past its last record): stop here.
      if (!(await this.catching)) return;
    }
  }

  /** One bounded read from where this registry stands; whether it moved forward. */
  private async readChunk(): Promise<boolean> {
    const { records, next } = await this.log.readFrom(this.applied);
    for (const r of records) {
      const decoded = decodeRecord(r.key, r.value);
      if (decoded !== undefined) this.apply(decoded);
    }
    if (next <= this.applied) return false;
    this.applied = next;
    return true;
  }

  private apply(r: RegistryRecord): void {
    switch (r.kind) {
      case 'schema': {
        let versions = this.subjects.get(r.subject);
        const before = versions?.get(r.version);
        if (before !== undefined) this.unlinkId(before);
        if (r.value === null) {
          versions?.delete(r.version);
          if (versions?.size === 0) this.subjects.delete(r.subject);
          return;
        }
        if (versions === undefined) this.subjects.set(r.subject, (versions = new Map()));
        versions.set(r.version, r.value);
        const content = { schema: r.value.schema, schemaType: r.value.schemaType, references: r.value.references };
        const entry = this.ids.get(r.value.id) ?? { content, usedBy: new Set<string>() };
        entry.usedBy.add(`${r.subject}\u0000${r.version}`);
        this.ids.set(r.value.id, entry);
        this.idByContent.set(contentKey(content.schemaType, content.schema, content.references), r.value.id);
        this.maxId = Math.max(this.maxId, r.value.id);
        return;
      }
      case 'config': {
        const level = parseCompatibility(r.compatibilityLevel);
        if (level === undefined) this.configs.delete(r.subject);
        else this.configs.set(r.subject, level);
        return;
      }
      case 'mode': {
        const mode = MODES.find((m) => m === r.mode);
        if (mode === undefined) this.modes.delete(r.subject);
        else this.modes.set(r.subject, mode);
        return;
      }
      case 'deleteSubject':
      case 'clearSubject': {
        const versions = this.subjects.get(r.subject);
        for (const [v, value] of versions ?? []) {
          if (v > r.version) continue;
          if (r.kind === 'deleteSubject') versions!.set(v, { ...value, deleted: true });
          else if (value.deleted) {
            this.unlinkId(value);
            versions!.delete(v);
          }
        }
        if (versions?.size === 0) this.subjects.delete(r.subject);
      }
    }
  }

  private unlinkId(value: SchemaValue): void {
    const entry = this.ids.get(value.id);
    if (entry === undefined) return;
    entry.usedBy.delete(`${value.subject}\u0000${value.version}`);
    if (entry.usedBy.size > 0) return;
    // No version carries the id any more (hard deletes): the id is gone, as in Confluent's registry.
    this.ids.delete(value.id);
    this.parsed.delete(value.id);
    this.idByContent.delete(contentKey(entry.content.schemaType, entry.content.schema, entry.content.references));
  }

  /**
   * Changes run one at a time, each on the state as the log has it; one that lost a race to
   * another registry's append (SchemaLogMoved) is decided again on the caught-up state.
   */
  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.writes.then(async () => {
      for (let attempt = 1; ; attempt++) {
        await this.catchUp();
        try {
          return await fn();
        } catch (err) {
          if (!(err instanceof SchemaLogMoved)) throw err;
          if (attempt >= MAX_WRITE_ATTEMPTS) throw E.storeError(`gave up after ${attempt} attempts: ${err.message}`);
        }
      }
    });
    this.writes = run.catch(() => undefined);
    return run;
  }

  private async write(records: Array<{ key: Buffer; value: Buffer | null }>): Promise<void> {
    const at = this.applied;
    try {
      await this.log.append(records, at);
    } catch (err) {
      if (err instanceof SchemaLogMoved) throw err;
      throw E.storeError(err instanceof Error ? err.message : String(err));
    }
    await this.readUpTo(at + records.length);
  }

  // ---- lookups ----

  private versionsOf(subject: string, deleted: boolean): SchemaValue[] {
    return [...(this.subjects.get(subject)?.values() ?? [])].filter((v) => deleted || !v.deleted).sort((a, b) => a.version - b.version);
  }

  private liveVersionsOr404(subject: string, deleted = false): SchemaValue[] {
    const versions = this.versionsOf(subject, deleted);
    if (versions.length === 0) throw E.subjectNotFound(subject);
    return versions;
  }

  /** "latest", -1 or a version number; 42202 for anything else. */
  private static versionId(version: string): number | 'latest' {
    if (version === 'latest' || version === '-1') return 'latest';
    const n = /^\d+$/.test(version) ? Number(version) : NaN;
    if (!Number.isInteger(n) || n < 1 || n > MAX_VERSION) throw E.invalidVersion(version);
    return n;
  }

  private findVersion(subject: string, version: string, deleted: boolean): SchemaValue {
    const id = SchemaRegistry.versionId(version);
    const all = this.versionsOf(subject, true);
    if (all.length === 0 || (!deleted && all.every((v) => v.deleted))) throw E.subjectNotFound(subject);
    const visible = all.filter((v) => deleted || !v.deleted);
    const found = id === 'latest' ? visible[visible.length - 1] : visible.find((v) => v.version === id);
    if (found === undefined) throw E.versionNotFound(version);
    return found;
  }

  private parsedOf(value: { id: number } & SchemaInput): ParsedSchema {
    let p = this.parsed.get(value.id);
    if (p === undefined) {
      p = this.parse(value);
      this.parsed.set(value.id, p);
    }
    return p;
  }

  /** The references' schemas, each after the ones it references itself. */
  private resolveReferences(refs: readonly SchemaReference[], out: ResolvedReference[] = [], seen = new Set<string>(), depth = 0): ResolvedReference[] {
    if (depth > 32) throw E.invalidSchema('references nest more than 32 deep');
    for (const ref of refs) {
      const key = `${ref.subject}\u0000${ref.version}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const target = this.subjects.get(ref.subject)?.get(ref.version);
      if (target === undefined) throw E.invalidSchema(`reference ${ref.name} names ${ref.subject} version ${ref.version}, which does not exist`);
      this.resolveReferences(target.references, out, seen, depth + 1);
      out.push({ name: ref.name, schemaType: target.schemaType, schema: target.schema });
    }
    return out;
  }

  private parse(input: SchemaInput): ParsedSchema {
    const format = FORMATS[input.schemaType];
    const resolved = this.resolveReferences(input.references);
    try {
      return format.parse(input.schema, resolved);
    } catch (err) {
      throw E.invalidSchema(err instanceof Error ? err.message : String(err));
    }
  }

  /** References as a client sent them, with "latest" (-1) versions pinned to a number. */
  private pinReferences(refs: readonly SchemaReference[]): SchemaReference[] {
    return refs.map((r) => (r.version === -1 ? { ...r, version: this.findVersion(r.subject, 'latest', false).version } : r));
  }

  private levelOf(subject: string): CompatibilityLevel {
    return this.configs.get(subject) ?? this.configs.get(null) ?? 'BACKWARD';
  }

  private modeOf(subject: string | null): Mode {
    return (subject === null ? undefined : this.modes.get(subject)) ?? this.modes.get(null) ?? 'READWRITE';
  }

  private previous(versions: readonly SchemaValue[]): Array<PreviousVersion<ParsedSchema>> {
    return versions.map((v) => ({ version: v.version, schema: v.schema, parsed: this.parsedOf(v) }));
  }

  private referencedBy(subject: string, version: number): number[] {
    const ids = new Set<number>();
    for (const versions of this.subjects.values()) {
      for (const v of versions.values()) {
        if (!v.deleted && v.references.some((r) => r.subject === subject && r.version === version)) ids.add(v.id);
      }
    }
    return [...ids].sort((a, b) => a - b);
  }

  private checkWritable(subject: string | null): void {
    const mode = this.modeOf(subject);
    if (mode === 'READONLY' || mode === 'READONLY_OVERRIDE') throw E.operationNotPermitted(`Subject ${subject ?? '(global)'} is in read-only mode`);
  }

  // ---- operations (each refreshes from the log first) ----

  async register(subject: string, input: SchemaInput & { id?: number; version?: number }): Promise<{ id: number; version: number }> {
    return this.serialized(async () => {
      this.checkWritable(subject);
      const mode = this.modeOf(subject);
      if ((input.id !== undefined || input.version !== undefined) && mode !== 'IMPORT') {
        throw E.operationNotPermitted(`Subject ${subject} is not in import mode: a schema id or version may not be given`);
      }
      const references = this.pinReferences(input.references);
      const parsed = this.parse({ ...input, references });
      const live = this.versionsOf(subject, false);
      const same = live.find((v) => v.schemaType === input.schemaType && contentKey(v.schemaType, v.schema, v.references) === contentKey(input.schemaType, parsed.canonical, references));
      if (same !== undefined && input.id === undefined) return { id: same.id, version: same.version };
      if (mode !== 'IMPORT') {
        const messages = incompatibilityMessages(FORMATS[input.schemaType], this.levelOf(subject), parsed, this.previous(live.filter((v) => v.schemaType === input.schemaType)));
        if (live.some((v) => v.schemaType !== input.schemaType)) {
          messages.push(`{errorType:'SCHEMA_TYPE_CHANGED', description:'the subject holds ${live[live.length - 1]!.schemaType} schemas, not ${input.schemaType}'}`);
        }
        if (messages.length > 0 && this.levelOf(subject) !== 'NONE') {
          throw E.incompatible(`Schema being registered is incompatible with an earlier schema for subject "${subject}", details: [${messages.join(', ')}]`);
        }
      }
      const key = contentKey(input.schemaType, parsed.canonical, references);
      let id = this.idByContent.get(key);
      if (input.id !== undefined) {
        const holder = this.ids.get(input.id);
        if (holder !== undefined && contentKey(holder.content.schemaType, holder.content.schema, holder.content.references) !== key) throw E.idInUse(input.id);
        id = input.id;
      }
      id ??= this.maxId + 1;
      const all = this.versionsOf(subject, true);
      const version = input.version ?? (all.length === 0 ? 1 : all[all.length - 1]!.version + 1);
      if (version < 1 || version > MAX_VERSION) throw E.invalidVersion(String(version));
      const value: SchemaValue = { subject, version, id, schemaType: input.schemaType, references, schema: parsed.canonical, deleted: false };
      this.parsed.set(id, parsed);
      await this.write([{ key: schemaKey(subject, version), value: schemaRecordValue(value) }]);
      return { id, version };
    });
  }

  async lookup(subject: string, input: SchemaInput, deleted: boolean): Promise<SubjectVersion> {
    await this.catchUp();
    const versions = this.liveVersionsOr404(subject, deleted);
    const references = this.pinReferences(input.references);
    const parsed = this.parse({ ...input, references });
    const key = contentKey(input.schemaType, parsed.canonical, references);
    const found = versions.find((v) => contentKey(v.schemaType, v.schema, v.references) === key);
    if (found === undefined) throw E.schemaNotFound();
    return { ...found };
  }

  async subjectsList(options: { prefix?: string; deleted?: boolean } = {}): Promise<string[]> {
    await this.catchUp();
    return [...this.subjects.keys()]
      .filter((s) => (options.prefix === undefined || s.startsWith(options.prefix)) && this.versionsOf(s, options.deleted === true).length > 0)
      .sort();
  }

  async versions(subject: string, deleted: boolean): Promise<number[]> {
    await this.catchUp();
    return this.liveVersionsOr404(subject, deleted).map((v) => v.version);
  }

  async version(subject: string, version: string, deleted: boolean): Promise<SubjectVersion> {
    await this.catchUp();
    return { ...this.findVersion(subject, version, deleted) };
  }

  async referencedByVersion(subject: string, version: string): Promise<number[]> {
    await this.catchUp();
    return this.referencedBy(subject, this.findVersion(subject, version, true).version);
  }

  async schemaById(id: number): Promise<SchemaInput & { id: number }> {
    await this.catchUp();
    const entry = this.ids.get(id);
    if (entry === undefined) throw E.schemaNotFound(`Schema ${id} not found`);
    return { id, ...entry.content };
  }

  async versionsById(id: number, deleted: boolean): Promise<Array<{ subject: string; version: number }>> {
    await this.catchUp();
    const entry = this.ids.get(id);
    if (entry === undefined) throw E.schemaNotFound(`Schema ${id} not found`);
    return [...entry.usedBy]
      .map((k) => {
        const [subject, version] = k.split('\u0000') as [string, string];
        return { subject, version: Number(version), deleted: this.subjects.get(subject)?.get(Number(version))?.deleted === true };
      })
      .filter((v) => deleted || !v.deleted)
      .map(({ subject, version }) => ({ subject, version }))
      .sort((a, b) => a.subject.localeCompare(b.subject) || a.version - b.version);
  }

  /** Every version (the latest only with latestOnly), for GET /schemas. */
  async allSchemas(options: { prefix?: string; deleted?: boolean; latestOnly?: boolean }): Promise<SubjectVersion[]> {
    await this.catchUp();
    const out: SubjectVersion[] = [];
    for (const subject of [...this.subjects.keys()].sort()) {
      if (options.prefix !== undefined && !subject.startsWith(options.prefix)) continue;
      const versions = this.versionsOf(subject, options.deleted === true);
      out.push(...(options.latestOnly === true ? versions.slice(-1) : versions));
    }
    return out;
  }

  async deleteVersion(subject: string, version: string, permanent: boolean): Promise<number> {
    return this.serialized(async () => {
      this.checkWritable(subject);
      // "latest" is the latest live version; a number may name a soft-deleted one (40406 for a second soft delete).
      const target = this.findVersion(subject, version, SchemaRegistry.versionId(version) !== 'latest' || permanent);
      if (!permanent && target.deleted) throw E.versionSoftDeleted(subject, target.version);
      if (permanent && !target.deleted) throw E.versionNotSoftDeleted(subject, target.version);
      const refs = this.referencedBy(subject, target.version);
      if (refs.length > 0) throw E.referenceExists(`One or more references exist to the schema {subject=${subject},version=${target.version}} (schema ids ${refs.join(', ')})`);
      await this.write([{ key: schemaKey(subject, target.version), value: permanent ? null : schemaRecordValue({ ...target, deleted: true }) }]);
      return target.version;
    });
  }

  async deleteSubject(subject: string, permanent: boolean): Promise<number[]> {
    return this.serialized(async () => {
      this.checkWritable(subject);
      const all = this.versionsOf(subject, true);
      if (all.length === 0) throw E.subjectNotFound(subject);
      const live = all.filter((v) => !v.deleted);
      if (!permanent && live.length === 0) throw E.subjectSoftDeleted(subject);
      if (permanent && live.length > 0) throw E.subjectNotSoftDeleted(subject);
      for (const v of all) {
        const refs = this.referencedBy(subject, v.version);
        if (refs.length > 0) throw E.referenceExists(`One or more references exist to the schema {subject=${subject},version=${v.version}} (schema ids ${refs.join(', ')})`);
      }
      const records = permanent
        ? [...all.map((v) => ({ key: schemaKey(subject, v.version), value: null })),
          ...(this.configs.has(subject) ? [{ key: configKey(subject), value: null }] : []),
          ...(this.modes.has(subject) ? [{ key: modeKey(subject), value: null }] : [])]
        : live.map((v) => ({ key: schemaKey(subject, v.version), value: schemaRecordValue({ ...v, deleted: true }) }));
      await this.write(records);
      return (permanent ? all : live).map((v) => v.version);
    });
  }

  /**
   * Whether `input` may follow the subject's versions at its compatibility level (or follow
   * one given version), with Confluent's messages when it may not.
   */
  async checkCompatibility(subject: string, version: string | undefined, input: SchemaInput): Promise<{ compatible: boolean; messages: string[] }> {
    await this.catchUp();
    const references = this.pinReferences(input.references);
    const parsed = this.parse({ ...input, references });
    const level = this.levelOf(subject);
    const previous = version === undefined ? this.versionsOf(subject, false) : [this.findVersion(subject, version, false)];
    const messages = incompatibilityMessages(FORMATS[input.schemaType], version === undefined ? level : (level.replace('_TRANSITIVE', '') as CompatibilityLevel), parsed, this.previous(previous.filter((v) => v.schemaType === input.schemaType)));
    if (previous.some((v) => v.schemaType !== input.schemaType)) messages.push(`{errorType:'SCHEMA_TYPE_CHANGED', description:'the subject holds other schema types'}`);
    return { compatible: level === 'NONE' || messages.length === 0, messages: level === 'NONE' ? [] : messages };
  }

  async compatibility(subject: string | null, defaultToGlobal: boolean): Promise<CompatibilityLevel> {
    await this.catchUp();
    if (subject === null) return this.configs.get(null) ?? 'BACKWARD';
    const own = this.configs.get(subject);
    if (own !== undefined) return own;
    if (!defaultToGlobal) throw E.subjectCompatibilityNotConfigured(subject);
    return this.configs.get(null) ?? 'BACKWARD';
  }

  async setCompatibility(subject: string | null, level: unknown): Promise<CompatibilityLevel> {
    const parsed = parseCompatibility(level);
    if (parsed === undefined) throw E.invalidCompatibility();
    return this.serialized(async () => {
      await this.write([{ key: configKey(subject), value: Buffer.from(JSON.stringify({ compatibilityLevel: parsed })) }]);
      return parsed;
    });
  }

  async deleteCompatibility(subject: string | null): Promise<CompatibilityLevel> {
    return this.serialized(async () => {
      if (subject !== null && this.versionsOf(subject, true).length === 0 && !this.configs.has(subject)) throw E.subjectNotFound(subject);
      const before = this.configs.get(subject) ?? this.configs.get(null) ?? 'BACKWARD';
      await this.write([{ key: configKey(subject), value: null }]);
      return before;
    });
  }

  async mode(subject: string | null, defaultToGlobal: boolean): Promise<Mode> {
    await this.catchUp();
    if (subject === null) return this.modes.get(null) ?? 'READWRITE';
    const own = this.modes.get(subject);
    if (own !== undefined) return own;
    if (!defaultToGlobal) throw E.subjectModeNotConfigured(subject);
    return this.modes.get(null) ?? 'READWRITE';
  }

  async setMode(subject: string | null, mode: unknown, force: boolean): Promise<Mode> {
    const parsed = MODES.find((m) => m === (typeof mode === 'string' ? mode.toUpperCase() : mode));
    if (parsed === undefined) throw E.invalidMode();
    return this.serialized(async () => {
      // As Confluent: IMPORT needs an empty registry (or subject) unless forced.
      if (parsed === 'IMPORT' && !force) {
        const nonEmpty = subject === null ? this.subjects.size > 0 : this.versionsOf(subject, true).length > 0;
        if (nonEmpty) throw E.operationNotPermitted(`Cannot import since found existing subjects${subject === null ? '' : ` (${subject})`}`);
      }
      await this.write([{ key: modeKey(subject), value: Buffer.from(JSON.stringify({ mode: parsed })) }]);
      return parsed;
    });
  }

  async deleteMode(subject: string): Promise<Mode> {
    return this.serialized(async () => {
      const before = this.modeOf(subject);
      await this.write([{ key: modeKey(subject), value: null }]);
      return before;
    });
  }

  // ---- validation on produce ----

  /** Whether `id` is a schema registered under `subject` (soft-deleted versions count: their data still exists). Synchronous on the state read so far. */
  hasSchemaIdUnder(subject: string, id: number): boolean {
    const versions = this.subjects.get(subject);
    if (versions === undefined) return false;
    for (const v of versions.values()) if (v.id === id) return true;
    return false;
  }

  /** SchemaIds for the produce handler: reads the log first only when the answer is no and the log has more. */
  registeredUnder(subject: string, id: number): boolean | Promise<boolean> {
    if (this.hasSchemaIdUnder(subject, id)) return true;
    const end = this.log.end();
    if (typeof end === 'number' && this.applied >= end) return false;
    return this.catchUpTo(end).then(() => this.hasSchemaIdUnder(subject, id));
  }
}

export { RegistryError };
