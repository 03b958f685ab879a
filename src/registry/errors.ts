// Errors the schema registry answers with: the HTTP status and the `error_code` Confluent's
// Schema Registry uses (io.confluent.kafka.schemaregistry.rest.exceptions), so its clients
// recognise them (a 40401 is "subject not found" to every serializer).
export class RegistryError extends Error {
  constructor(readonly status: number, readonly errorCode: number, message: string) {
    super(message);
    this.name = 'RegistryError';
  }
}

export const registryErrors = {
  subjectNotFound: (subject: string) => new RegistryError(404, 40401, `Subject '${subject}' not found.`),
  versionNotFound: (version: number | string) => new RegistryError(404, 40402, `Version ${version} not found.`),
  schemaNotFound: (what = 'Schema not found') => new RegistryError(404, 40403, what),
  subjectSoftDeleted: (subject: string) => new RegistryError(404, 40404, `Subject '${subject}' was soft deleted.Set permanent=true to delete permanently`),
  subjectNotSoftDeleted: (subject: string) => new RegistryError(404, 40405, `Subject '${subject}' was not deleted first before being permanently deleted`),
  versionSoftDeleted: (subject: string, version: number) => new RegistryError(404, 40406, `Subject '${subject}' Version ${version} was soft deleted.Set permanent=true to delete permanently`),
  versionNotSoftDeleted: (subject: string, version: number) => new RegistryError(404, 40407, `Subject '${subject}' Version ${version} was not deleted first before being permanently deleted`),
  subjectCompatibilityNotConfigured: (subject: string) => new RegistryError(404, 40408, `Subject '${subject}' does not have subject-level compatibility configured`),
  subjectModeNotConfigured: (subject: string) => new RegistryError(404, 40409, `Subject '${subject}' does not have subject-level mode configured`),
  incompatible: (message: string) => new RegistryError(409, 409, message),
  invalidSchema: (message: string) => new RegistryError(422, 42201, `Invalid schema: ${message}`),
  invalidVersion: (version: string) => new RegistryError(422, 42202, `The specified version '${version}' is not a valid version id. Allowed values are between [1, 2^31-1] and the string "latest"`),
  invalidCompatibility: () => new RegistryError(422, 42203, 'Invalid compatibility level. Valid values are none, backward, forward, full, backward_transitive, forward_transitive, and full_transitive'),
  invalidMode: () => new RegistryError(422, 42204, 'Invalid mode. Valid values are READWRITE, READONLY, READONLY_OVERRIDE and IMPORT'),
  operationNotPermitted: (message: string) => new RegistryError(422, 42205, message),
  referenceExists: (message: string) => new RegistryError(422, 42206, message),
  idInUse: (id: number) => new RegistryError(422, 42207, `Overwrite new schema with id ${id} is not permitted.`),
  badRequest: (message: string) => new RegistryError(400, 400, message),
  unauthorized: () => new RegistryError(401, 401, 'Unauthorized'),
  forbidden: (message: string) => new RegistryError(403, 40301, message),
  notFound: (path: string) => new RegistryError(404, 404, `HTTP 404 Not Found: ${path}`),
  methodNotAllowed: () => new RegistryError(405, 405, 'HTTP 405 Method Not Allowed'),
  tooLarge: (max: number) => new RegistryError(413, 413, `request body over ${max} bytes`),
  storeError: (message: string) => new RegistryError(500, 50001, `Error in the backend data store: ${message}`),
} as const;
