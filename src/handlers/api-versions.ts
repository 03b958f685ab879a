import { ApiKey } from '../protocol/generated/api-keys.js';
import { readApiVersionsRequest, type ApiVersionsRequest } from '../protocol/generated/api-versions-request.js';
import { writeApiVersionsResponse, defaultApiVersionsResponse, type ApiVersionsResponse } from '../protocol/generated/api-versions-response.js';
import { defineHandler, type ApiHandler } from './handler.js';

/** The advertised list: exactly what the handler table implements. */
export function supportedApis(table: readonly ApiHandler[]): ApiVersionsResponse['apiKeys'] {
  return table.map((h) => ({ apiKey: h.apiKey, minVersion: h.minVersion, maxVersion: h.maxVersion })).sort((a, b) => a.apiKey - b.apiKey);
}

/** Answers with exactly what the handler table implements. */
export function apiVersionsHandler(table: () => readonly ApiHandler[]): ApiHandler<ApiVersionsRequest, ApiVersionsResponse> {
  return defineHandler<ApiVersionsRequest, ApiVersionsResponse>({
    apiKey: ApiKey.ApiVersions,
    minVersion: 0,
    maxVersion: 4,
    read: readApiVersionsRequest,
    write: writeApiVersionsResponse,
    handle() {
      const res = defaultApiVersionsResponse();
      res.apiKeys = supportedApis(table());
      return res;
    },
    errorResponse: (_req, _version, errorCode) => ({ ...defaultApiVersionsResponse(), errorCode }),
  });
}
