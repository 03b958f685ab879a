// JSON schemas for kubeconform, made offline from Kubernetes' own OpenAPI document
// (api/openapi-spec/swagger.json of the k8s.io/kubernetes module, which the Go module proxy
// serves: CI has no network but the package registries, so kubeconform cannot fetch its
// usual schema repository). One file per kind, named as kubeconform's location template
// `{{ .ResourceKind }}{{ .KindSuffix }}.json` expects (statefulset-apps-v1.json,
// service-v1.json), every definition included, objects strict (no unknown fields), as
// openapi2jsonschema makes them.
// Usage: node k8s-schemas.mjs SWAGGER_JSON OUT_DIR
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [swaggerPath, outDir] = process.argv.slice(2);
if (swaggerPath === undefined || outDir === undefined) {
  console.error('usage: node k8s-schemas.mjs SWAGGER_JSON OUT_DIR');
  process.exit(2);
}
const swagger = JSON.parse(readFileSync(swaggerPath, 'utf8'));

/** Swagger 2 → JSON schema: local refs, int-or-string and quantities as YAML writes them, strict objects. */
function convert(node) {
  if (Array.isArray(node)) return node.map(convert);
  if (node === null || typeof node !== 'object') return node;
  const out = {};
  for (const [k, v] of Object.entries(node)) {
    // "#/definitions/…" refs stay as they are: every file carries all the definitions.
    out[k] = typeof v === 'string' ? v : convert(v);
  }
  if (out.format === 'int-or-string') {
    delete out.type;
    delete out.format;
    out.oneOf = [{ type: 'string' }, { type: 'integer' }];
  }
  if (out.type === 'object' && out.properties !== undefined && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

const definitions = {};
for (const [name, def] of Object.entries(swagger.definitions)) definitions[name] = convert(def);
// A quantity ("1", 500m, 1Gi) may be written as a YAML number too.
definitions['io.k8s.apimachinery.pkg.api.resource.Quantity'] = { oneOf: [{ type: 'string' }, { type: 'number' }] };

mkdirSync(outDir, { recursive: true });
let written = 0;
for (const [name, def] of Object.entries(swagger.definitions)) {
  for (const gvk of def['x-kubernetes-group-version-kind'] ?? []) {
    const group = gvk.group === '' ? '' : `-${gvk.group.split('.')[0]}`;
    const file = `${gvk.kind.toLowerCase()}${group}-${gvk.version}.json`;
    writeFileSync(join(outDir, file), JSON.stringify({ $schema: 'http://json-schema.org/draft-04/schema#', ...definitions[name], definitions }));
    written++;
  }
}
console.log(`${written} schemas in ${outDir}`);
