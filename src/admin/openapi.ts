// The admin API described as OpenAPI 3.1 (served at /api/v1/openapi.json). A test checks
// that every route is described here and that nothing is described that is not a route.
const json = { 'application/json': { schema: { type: 'object' } } };
const ok = (description: string) => ({ 200: { description, content: json } });
const errors = { 400: { description: 'Invalid input ({"error": {"code", "message"}})' }, 401: { description: 'No valid bearer token (with --admin-token-file)' }, 404: { description: 'No such resource' } };
const topicParam = { name: 'topic', in: 'path', required: true, schema: { type: 'string' } };
const groupParam = { name: 'group', in: 'path', required: true, schema: { type: 'string' } };
const subjectParam = { name: 'subject', in: 'path', required: true, schema: { type: 'string' } };
const body = (properties: Record<string, object>, required: string[] = []) => ({ required: true, content: { 'application/json': { schema: { type: 'object', properties, required } } } });

export const openApiDocument = {
  openapi: '3.1.0',
  info: { title: 'Strata admin API', version: '1', description: 'Topics, consumer groups, schemas and broker state over the same services the Kafka handlers use; the web console is built on it.' },
  components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A token from --admin-token-file (when set)' } } },
  security: [{ bearer: [] }],
  paths: {
    '/health': { get: { summary: 'The process is alive', security: [], responses: ok('{"status": "ok"}') } },
    '/ready': { get: { summary: 'Recovery is done and the Kafka listener is up (503 until then)', security: [], responses: ok('{"ready": true}') } },
    '/metrics': { get: { summary: 'Prometheus metrics (text exposition format)', responses: { 200: { description: 'metrics', content: { 'text/plain': { schema: { type: 'string' } } } } } } },
    '/api/v1/openapi.json': { get: { summary: 'This description', responses: ok('OpenAPI 3.1') } },
    '/api/v1/broker': { get: { summary: 'Node id, cluster id, addresses, storage settings, versions', responses: ok('broker') } },
    '/api/v1/overview': { get: { summary: 'Broker, listeners, disk, tier and circuit breaker state, counts and firing alerts (the console\'s overview)', responses: ok('overview') } },
    '/api/v1/metrics/history': { get: { summary: 'The last ten minutes of throughput, request rate and latency samples (5 s apart)', responses: ok('points') } },
    '/api/v1/topics': {
      get: { summary: 'Topics (internal ones with ?internal=true)', parameters: [{ name: 'internal', in: 'query', schema: { type: 'boolean' } }], responses: ok('topics') },
      post: { summary: 'Create a topic', requestBody: body({ name: { type: 'string' }, partitions: { type: 'integer', minimum: 1 }, configs: { type: 'object', additionalProperties: { type: 'string' } } }, ['name']), responses: { 201: { description: 'the topic', content: json }, 409: { description: 'TOPIC_ALREADY_EXISTS' }, ...errors } },
    },
    '/api/v1/topics/{topic}': {
      get: { summary: 'A topic: partitions with offsets and sizes, configs and overrides', parameters: [topicParam], responses: { ...ok('topic'), ...errors } },
      patch: { summary: 'Change config overrides (null removes one)', parameters: [topicParam], requestBody: body({ configs: { type: 'object' } }, ['configs']), responses: { ...ok('topic'), ...errors } },
      delete: { summary: 'Delete a topic', parameters: [topicParam], responses: { ...ok('{"deleted": name}'), ...errors } },
    },
    '/api/v1/topics/{topic}/partitions': {
      get: { summary: 'Partitions: leader, log start (local and remote), high watermark, size, segments', parameters: [topicParam], responses: { ...ok('partitions'), ...errors } },
      post: { summary: 'Raise the partition count', parameters: [topicParam], requestBody: body({ count: { type: 'integer' } }, ['count']), responses: { ...ok('partitions'), ...errors } },
    },
    '/api/v1/topics/{topic}/messages': {
      get: {
        summary: 'Records of one partition, decoded (schema registry framing: Avro, JSON Schema; else JSON, text or hex); at most 500 and 4 MiB read',
        parameters: [topicParam, ...['partition', 'offset', 'timestamp', 'limit'].map((name) => ({ name, in: 'query', schema: { type: 'integer' } }))],
        responses: { ...ok('records with offset, timestamp, key, value, headers'), ...errors },
      },
    },
    '/api/v1/groups': { get: { summary: 'Consumer groups with state and member count', responses: ok('groups') } },
    '/api/v1/groups/{group}': {
      get: { summary: 'A group: members with their assignments, committed offsets and lag per partition', parameters: [groupParam], responses: { ...ok('group'), ...errors } },
      delete: { summary: 'Delete an empty group and its offsets', parameters: [groupParam], responses: { ...ok('{"deleted": id}'), ...errors } },
    },
    '/api/v1/groups/{group}/reset-offsets': {
      post: {
        summary: 'Reset committed offsets (the group must be empty); dryRun answers the target offsets without committing',
        parameters: [groupParam],
        requestBody: body({ topic: { type: 'string' }, to: { enum: ['earliest', 'latest', 'offset', 'timestamp'] }, value: { type: 'integer' }, partitions: { type: 'array', items: { type: 'integer' } }, dryRun: { type: 'boolean' } }, ['topic', 'to']),
        responses: { ...ok('the group, or the planned offsets with dryRun'), 409: { description: 'NON_EMPTY_GROUP' }, ...errors },
      },
    },
    '/api/v1/schemas/subjects': { get: { summary: 'Subjects with their latest version, id, type and compatibility', responses: { ...ok('subjects'), ...errors } } },
    '/api/v1/schemas/subjects/{subject}': {
      get: { summary: 'Every live version of a subject', parameters: [subjectParam], responses: { ...ok('versions'), ...errors } },
      delete: { summary: 'Soft-delete a subject (?permanent=true after that)', parameters: [subjectParam, { name: 'permanent', in: 'query', schema: { type: 'boolean' } }], responses: { ...ok('deleted versions'), ...errors } },
    },
    '/api/v1/schemas/subjects/{subject}/versions': {
      post: { summary: 'Register a schema (409 when incompatible)', parameters: [subjectParam], requestBody: body({ schema: { type: 'string' }, schemaType: { enum: ['AVRO', 'JSON', 'PROTOBUF'] } }, ['schema']), responses: { ...ok('{"id", "version"}'), 409: { description: 'incompatible' }, 422: { description: 'invalid schema' }, ...errors } },
    },
    '/api/v1/schemas/subjects/{subject}/compatibility': {
      post: { summary: 'Test a schema against the subject (its level, or one version)', parameters: [subjectParam], requestBody: body({ schema: { type: 'string' }, schemaType: { enum: ['AVRO', 'JSON', 'PROTOBUF'] }, version: { type: 'string' } }, ['schema']), responses: { ...ok('{"compatible", "messages"}'), ...errors } },
    },
  },
} as const;
