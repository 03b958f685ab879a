import { ApiKey } from '../protocol/generated/api-keys.js';
import { readApiVersionsRequest, type ApiVersionsRequest } from '../protocol/generated/api-versions-request.js';
import { writeApiVersionsResponse, defaultApiVersionsResponse, type ApiVersionsResponse } from '../protocol/generated/api-versions-response.js';
import { defineHandler, type ApiHandler } from './handler.js';

/** The advertised list: exactly what the handler table implements. */
export function supportedApis(table: readonly ApiHandler[]): ApiVersionsResponse['apiKeys'] {
  return table.map((h) => ({ apiKey: h.apiKey, minVersion: h.minVersion, maxVersion: h.maxVersion })).sort((a, b) => a.apiKey - b.apiKey);
}

/**
 * The feature levels Strata implements, as Kafka names them (KIP-584): group.version 0 is
 * the classic group protocol only (1 would be KIP-848's), transaction.version 0 no
 * transactions (1 and 2 are KIP-890's). Nothing is finalized above level 0, so the
 * finalized list stays empty, as Kafka leaves features at level 0 out of it.
 */
const SUPPORTED_FEATURES = [
  { name: 'group.version', minVersion: 0, maxVersion: 0 },
  { name: 'transaction.version', minVersion: 0, maxVersion: 0 },
];

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
      res.supportedFeatures = SUPPORTED_FEATURES.map((f) => ({ ...f }));
      res.finalizedFeaturesEpoch = 0;
      return res;
    },
    errorResponse: (_req, _version, errorCode) => ({ ...defaultApiVersionsResponse(), errorCode }),
  });
}
