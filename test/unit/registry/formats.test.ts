// Compatibility rules per schema language: what a reader schema can read of a writer's data.
import { describe, expect, it } from 'vitest';
import { avroFormat } from '../../../src/registry/formats/avro.js';
import { jsonSchemaFormat } from '../../../src/registry/formats/json-schema.js';
import { protobufFormat } from '../../../src/registry/formats/protobuf.js';
import type { SchemaFormat } from '../../../src/registry/formats/format.js';

function kinds(format: SchemaFormat, reader: unknown, writer: unknown): string[] {
  const text = (s: unknown): string => (typeof s === 'string' ? s : JSON.stringify(s));
  return format.incompatibilities(format.parse(text(reader), []), format.parse(text(writer), [])).map((i) => i.type);
}

describe('Avro', () => {
  const user = (...fields: object[]) => ({ type: 'record', name: 'User', fields: [{ name: 'id', type: 'long' }, ...fields] });

  it('reads data without a field the reader gives a default, and data with a field the reader dropped', () => {
    expect(kinds(avroFormat, user({ name: 'email', type: 'string', default: '' }), user())).toEqual([]);
    expect(kinds(avroFormat, user(), user({ name: 'email', type: 'string' }))).toEqual([]);
  });

  it('refuses a new field without a default, a changed type and a renamed record', () => {
    expect(kinds(avroFormat, user({ name: 'email', type: 'string' }), user())).toEqual(['READER_FIELD_MISSING_DEFAULT_VALUE']);
    expect(kinds(avroFormat, { type: 'record', name: 'User', fields: [{ name: 'id', type: 'string' }] }, user())).toEqual(['TYPE_MISMATCH']);
    expect(kinds(avroFormat, { ...user(), name: 'Account' }, user())).toEqual(['NAME_MISMATCH']);
  });

  it('promotes int to long (the specification allows it) but not long to int', () => {
    expect(kinds(avroFormat, '"long"', '"int"')).toEqual([]);
    expect(kinds(avroFormat, '"int"', '"long"')).toEqual(['TYPE_MISMATCH']);
  });

  it('resolves named types from references', () => {
    const address = { type: 'record', name: 'Address', namespace: 'x', fields: [{ name: 'city', type: 'string' }] };
    const parsed = avroFormat.parse(JSON.stringify({ type: 'record', name: 'P', fields: [{ name: 'home', type: 'x.Address' }] }), [{ name: 'x.Address', schemaType: 'AVRO', schema: JSON.stringify(address) }]);
    expect(parsed.canonical).toContain('x.Address');
    expect(() => avroFormat.parse(JSON.stringify({ type: 'record', name: 'P', fields: [{ name: 'home', type: 'x.Address' }] }), [])).toThrow(/x\.Address/);
  });

  it('refuses what is not an Avro schema', () => {
    expect(() => avroFormat.parse('{"type":"recordz"}', [])).toThrow();
    expect(() => avroFormat.parse('not json', [])).toThrow();
  });
});

describe('JSON Schema', () => {
  const obj = (props: Record<string, object>, extra: object = {}) => ({ type: 'object', properties: props, ...extra });
  const closed = { additionalProperties: false };

  it('open content model: removing a property is compatible, adding one is not', () => {
    expect(kinds(jsonSchemaFormat, obj({ a: { type: 'string' } }), obj({ a: { type: 'string' }, b: { type: 'number' } }))).toEqual([]);
    expect(kinds(jsonSchemaFormat, obj({ a: { type: 'string' }, b: { type: 'number' } }), obj({ a: { type: 'string' } }))).toEqual(['PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL']);
  });

  it('closed content model: adding an optional property is compatible; a required one, or removing one, is not', () => {
    expect(kinds(jsonSchemaFormat, obj({ a: { type: 'string' }, b: { type: 'number' } }, closed), obj({ a: { type: 'string' } }, closed))).toEqual([]);
    expect(kinds(jsonSchemaFormat, obj({ a: { type: 'string' }, b: { type: 'number' } }, { ...closed, required: ['b'] }), obj({ a: { type: 'string' } }, closed))).toEqual(['REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL']);
    expect(kinds(jsonSchemaFormat, obj({ a: { type: 'string' } }, closed), obj({ a: { type: 'string' }, b: { type: 'number' } }, closed))).toEqual(['PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL']);
  });

  it('types widen (integer to number) but do not narrow or change', () => {
    expect(kinds(jsonSchemaFormat, { type: 'number' }, { type: 'integer' })).toEqual([]);
    expect(kinds(jsonSchemaFormat, { type: 'integer' }, { type: 'number' })).toEqual(['TYPE_CHANGED']);
    expect(kinds(jsonSchemaFormat, { type: ['string', 'null'] }, { type: 'string' })).toEqual([]);
    expect(kinds(jsonSchemaFormat, { type: 'string' }, { type: ['string', 'null'] })).toEqual(['TYPE_NARROWED']);
  });

  it('required, bounds and enums: tightening is incompatible, loosening is not', () => {
    expect(kinds(jsonSchemaFormat, obj({ a: { type: 'string' } }, { required: ['a'] }), obj({ a: { type: 'string' } }))).toEqual(['REQUIRED_ATTRIBUTE_ADDED']);
    expect(kinds(jsonSchemaFormat, obj({ a: { type: 'string' } }), obj({ a: { type: 'string' } }, { required: ['a'] }))).toEqual([]);
    expect(kinds(jsonSchemaFormat, { type: 'string', maxLength: 5 }, { type: 'string', maxLength: 10 })).toEqual(['MAX_LENGTH_DECREASED']);
    expect(kinds(jsonSchemaFormat, { type: 'string', maxLength: 10 }, { type: 'string', maxLength: 5 })).toEqual([]);
    expect(kinds(jsonSchemaFormat, { type: 'number', minimum: 1 }, { type: 'number' })).toEqual(['MINIMUM_ADDED']);
    expect(kinds(jsonSchemaFormat, { enum: ['a', 'b', 'c'] }, { enum: ['a', 'b'] })).toEqual([]);
    expect(kinds(jsonSchemaFormat, { enum: ['a'] }, { enum: ['a', 'b'] })).toEqual(['ENUM_ARRAY_NARROWED']);
  });

  it('compares nested objects, items and oneOf alternatives', () => {
    const nested = (t: string) => obj({ inner: obj({ x: { type: t } }) });
    expect(kinds(jsonSchemaFormat, nested('string'), nested('number'))).toEqual(['TYPE_CHANGED']);
    expect(kinds(jsonSchemaFormat, { type: 'array', items: { type: 'number' } }, { type: 'array', items: { type: 'integer' } })).toEqual([]);
    expect(kinds(jsonSchemaFormat, { oneOf: [{ type: 'string' }, { type: 'number' }] }, { type: 'string' })).toEqual([]);
    expect(kinds(jsonSchemaFormat, { oneOf: [{ type: 'string' }] }, { oneOf: [{ type: 'string' }, { type: 'number' }] })).toEqual(['COMBINED_TYPE_SUBSCHEMAS_CHANGED']);
  });

  it('follows local references and reports a change to what it does not model', () => {
    const withDefs = (t: string) => ({ definitions: { v: { type: t } }, type: 'object', properties: { a: { $ref: '#/definitions/v' } } });
    expect(kinds(jsonSchemaFormat, withDefs('number'), withDefs('integer'))).toEqual([]);
    expect(kinds(jsonSchemaFormat, withDefs('integer'), withDefs('number'))).toEqual(['TYPE_CHANGED']);
    expect(kinds(jsonSchemaFormat, { type: 'string', not: { const: 'x' } }, { type: 'string' })).toEqual(['KEYWORD_CHANGED']);
  });

  it('refuses what ajv does not compile', () => {
    expect(() => jsonSchemaFormat.parse('{"type": 12}', [])).toThrow();
    expect(() => jsonSchemaFormat.parse('[1]', [])).toThrow(/object or a boolean/);
  });
});

describe('Protobuf', () => {
  const proto = (body: string, pkg = 'shop') => `syntax = "proto3";\npackage ${pkg};\n${body}`;

  it('adding and removing optional fields, and renaming one, are compatible', () => {
    expect(kinds(protobufFormat, proto('message Order { string id = 1; int64 cents = 2; }'), proto('message Order { string id = 1; }'))).toEqual([]);
    expect(kinds(protobufFormat, proto('message Order { string id = 1; }'), proto('message Order { string id = 1; int64 cents = 2; }'))).toEqual([]);
    expect(kinds(protobufFormat, proto('message Order { string order_id = 1; }'), proto('message Order { string id = 1; }'))).toEqual([]);
  });

  it('wire-compatible scalar changes pass; others do not', () => {
    expect(kinds(protobufFormat, proto('message M { int64 n = 1; }'), proto('message M { int32 n = 1; }'))).toEqual([]);
    expect(kinds(protobufFormat, proto('message M { bytes n = 1; }'), proto('message M { string n = 1; }'))).toEqual([]);
    expect(kinds(protobufFormat, proto('message M { string n = 1; }'), proto('message M { int32 n = 1; }'))).toEqual(['FIELD_SCALAR_KIND_CHANGED']);
    expect(kinds(protobufFormat, proto('message A {} message M { A n = 1; }'), proto('message A {} message M { string n = 1; }'))).toEqual(['FIELD_KIND_CHANGED']);
    expect(kinds(protobufFormat, proto('message M { repeated int32 n = 1; }'), proto('message M { int32 n = 1; }'))).toEqual(['FIELD_KIND_CHANGED']);
  });

  it('a removed message, a changed package and fields moved into a oneof are incompatible', () => {
    expect(kinds(protobufFormat, proto('message A {}'), proto('message A {} message B {}'))).toEqual(['MESSAGE_REMOVED']);
    expect(kinds(protobufFormat, proto('message A {}', 'other'), proto('message A {}'))).toEqual(['PACKAGE_CHANGED']);
    expect(kinds(protobufFormat, proto('message M { oneof o { int32 a = 1; string b = 2; } }'), proto('message M { int32 a = 1; string b = 2; }'))).toEqual(['MULTIPLE_FIELDS_MOVED_TO_ONEOF']);
    expect(kinds(protobufFormat, proto('message M { oneof o { int32 a = 1; } }'), proto('message M { int32 a = 1; }'))).toEqual([]);
  });

  it('resolves imports from references and well-known types', () => {
    const parsed = protobufFormat.parse(proto('import "money.proto";\nimport "google/protobuf/timestamp.proto";\nmessage Order { shop.Money price = 1; google.protobuf.Timestamp at = 2; }'),
      [{ name: 'money.proto', schemaType: 'PROTOBUF', schema: proto('message Money { int64 units = 1; }') }]);
    expect(parsed.messages).toEqual(['shop.Order']);
    expect(() => protobufFormat.parse(proto('import "missing.proto";\nmessage O { shop.Nope x = 1; }'), [])).toThrow(/missing\.proto/);
    expect(() => protobufFormat.parse('message {', [])).toThrow();
  });
});
