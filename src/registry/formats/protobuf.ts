// Protobuf schemas (.proto text) through protobufjs: parsing with imports resolved from
// the schema's references (and Google's well-known types), and compatibility by the rules
// of Protobuf's wire format as Confluent's ProtobufSchema diff applies them: fields are
// matched by number; adding or removing an optional field is compatible; a removed
// message, a changed package, a field whose wire type changes, a changed message or enum
// type, a required field added or removed, or fields moved into a oneof are not.
import protobuf from 'protobufjs';
import type { Incompatibility, ParsedSchema, ResolvedReference, SchemaFormat } from './format.js';

export interface ParsedProtobuf extends ParsedSchema {
  readonly root: protobuf.Root;
  readonly packageName: string;
  /** Full names of the messages this schema (not its references) defines. */
  readonly messages: readonly string[];
}

const PARSE_OPTIONS = { keepCase: true };

/** Scalar types that read each other's values (the same wire type and an encoding either side decodes). */
const WIRE_GROUPS: ReadonlyArray<ReadonlySet<string>> = [
  new Set(['int32', 'uint32', 'int64', 'uint64', 'bool']),
  new Set(['sint32', 'sint64']),
  new Set(['fixed32', 'sfixed32']),
  new Set(['fixed64', 'sfixed64']),
  new Set(['string', 'bytes']),
];

const SCALARS = new Set(['double', 'float', 'int32', 'uint32', 'int64', 'uint64', 'sint32', 'sint64', 'fixed32', 'fixed64', 'sfixed32', 'sfixed64', 'bool', 'string', 'bytes']);

function addImport(root: protobuf.Root, name: string, byName: ReadonlyMap<string, ResolvedReference>, seen: Set<string>): void {
  if (seen.has(name)) return;
  seen.add(name);
  const ref = byName.get(name);
  if (ref !== undefined) {
    if (ref.schemaType !== 'PROTOBUF') throw new Error(`reference ${name} is ${ref.schemaType}, not PROTOBUF`);
    const parsed = protobuf.parse(ref.schema, root, PARSE_OPTIONS);
    for (const i of parsed.imports ?? []) addImport(root, i, byName, seen);
    return;
  }
  const common = protobuf.common.get(name) as { nested?: Record<string, protobuf.AnyNestedObject> } | null;
  if (common?.nested !== undefined) return void root.addJSON(common.nested);
  throw new Error(`import "${name}" is neither a reference of the schema nor a well-known type`);
}

function messagesOf(ns: protobuf.NamespaceBase, out: string[]): string[] {
  for (const nested of ns.nestedArray) {
    if (nested instanceof protobuf.Type) out.push(nested.fullName.replace(/^\./, ''));
    if (nested instanceof protobuf.Namespace || nested instanceof protobuf.Type) messagesOf(nested, out);
  }
  return out;
}

function fieldTypeName(f: protobuf.Field): string {
  if (f instanceof protobuf.MapField) return `map<${f.keyType},${f.resolvedType?.fullName ?? f.type}>`;
  return SCALARS.has(f.type) ? f.type : (f.resolvedType?.fullName.replace(/^\./, '') ?? f.type);
}

function compareFields(reader: protobuf.Type, writer: protobuf.Type, at: string, out: Incompatibility[]): void {
  const readerById = new Map(reader.fieldsArray.map((f) => [f.id, f]));
  const writerById = new Map(writer.fieldsArray.map((f) => [f.id, f]));
  for (const w of writer.fieldsArray) {
    const r = readerById.get(w.id);
    const where = `${at}.${w.name}#${w.id}`;
    if (r === undefined) {
      if (w.required) out.push({ type: 'REQUIRED_FIELD_REMOVED', location: where, message: `required field ${w.name} (${w.id}) removed` });
      else if (w.partOf !== null && w.partOf.fieldsArray.length > 1) out.push({ type: 'ONEOF_FIELD_REMOVED', location: where, message: `field ${w.name} (${w.id}) of oneof ${w.partOf.name} removed` });
      continue;
    }
    const rt = fieldTypeName(r);
    const wt = fieldTypeName(w);
    if (rt !== wt) {
      const scalarPair = SCALARS.has(r.type) && SCALARS.has(w.type);
      const compatible = scalarPair && WIRE_GROUPS.some((g) => g.has(rt) && g.has(wt));
      if (!compatible) {
        const type = scalarPair ? 'FIELD_SCALAR_KIND_CHANGED' : SCALARS.has(r.type) !== SCALARS.has(w.type) ? 'FIELD_KIND_CHANGED' : 'FIELD_NAMED_TYPE_CHANGED';
        out.push({ type, location: where, message: `field ${w.name} (${w.id}) changed from ${wt} to ${rt}` });
      }
    }
    if (r.repeated !== w.repeated || (r instanceof protobuf.MapField) !== (w instanceof protobuf.MapField)) {
      out.push({ type: 'FIELD_KIND_CHANGED', location: where, message: `field ${w.name} (${w.id}) changed between singular, repeated and map` });
    }
    if (r.required && !w.required) out.push({ type: 'REQUIRED_FIELD_ADDED', location: where, message: `field ${w.name} (${w.id}) became required` });
    const rOneof = r.partOf;
    if (rOneof !== null && w.partOf === null) {
      const existingInWriter = writer.oneofsArray.find((o) => o.name === rOneof.name);
      const moved = rOneof.fieldsArray.filter((f) => writerById.has(f.id) && writerById.get(f.id)!.partOf === null);
      if (existingInWriter !== undefined) out.push({ type: 'FIELD_MOVED_TO_EXISTING_ONEOF', location: where, message: `field ${w.name} (${w.id}) moved into the existing oneof ${rOneof.name}` });
      else if (moved.length > 1 && moved[0]!.id === r.id) out.push({ type: 'MULTIPLE_FIELDS_MOVED_TO_ONEOF', location: where, message: `fields ${moved.map((f) => f.name).join(', ')} moved into the new oneof ${rOneof.name}` });
    }
  }
  for (const r of reader.fieldsArray) {
    if (!writerById.has(r.id) && r.required) out.push({ type: 'REQUIRED_FIELD_ADDED', location: `${at}.${r.name}#${r.id}`, message: `required field ${r.name} (${r.id}) added` });
  }
}

export const protobufFormat: SchemaFormat<ParsedProtobuf> = {
  type: 'PROTOBUF',
  parse(schema: string, references: readonly ResolvedReference[]): ParsedProtobuf {
    // The schema alone says which messages are its own; the full root resolves its imports.
    const own = protobuf.parse(schema, PARSE_OPTIONS);
    const root = new protobuf.Root();
    const byName = new Map(references.map((r) => [r.name, r]));
    const seen = new Set<string>();
    for (const i of own.imports ?? []) addImport(root, i, byName, seen);
    protobuf.parse(schema, root, PARSE_OPTIONS);
    root.resolveAll();
    const messages = messagesOf(own.root, []);
    const canonical = schema.replace(/\r\n/g, '\n').trim();
    return { type: 'PROTOBUF', canonical, root, packageName: own.package ?? '', messages };
  },
  incompatibilities(reader: ParsedProtobuf, writer: ParsedProtobuf): Incompatibility[] {
    const out: Incompatibility[] = [];
    if (reader.packageName !== writer.packageName) {
      out.push({ type: 'PACKAGE_CHANGED', location: '#/', message: `package ${writer.packageName || '(none)'} became ${reader.packageName || '(none)'}` });
      return out;
    }
    for (const name of writer.messages) {
      const w = writer.root.lookupType(name);
      const r = reader.root.lookup(name);
      if (!(r instanceof protobuf.Type)) {
        out.push({ type: 'MESSAGE_REMOVED', location: `#/${name}`, message: `message ${name} removed` });
        continue;
      }
      compareFields(r, w, `#/${name}`, out);
    }
    return out;
  },
};
