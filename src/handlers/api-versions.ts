import { ApiKey } from '../protocol/generated/api-keys.js';
import { readApiVersionsRequest, type ApiVersionsRequest } from '../protocol/generated/api-versions-request.js';
import { writeApiVersionsResponse, defaultApiVersionsResponse, type ApiVersionsResponse } from '../protocol/generated/api-versions-response.js';
import { defineHandler, type ApiHandler } from './handler.js';

/** The advertised list: exactly what the handler table implements. */
export function supportedApis(table: readonly ApiHandler[]): ApiVersionsResponse['apiKeys'] {
  return table.map((h) => ({ apiKey: h.apiKey, minVersion: h.minVersion, maxVersion: h.maxVersion })).sort((a, b) => a.apiKey - b.apiKey);
}

/**
 * The feature levels Strata implements, as Kafka names them (KIP-584): group.version 1 is
 * the KIP-848 consumer group protocol (finalized: on); transaction.version 1 is KIP-890 part 1
 * (the broker checks that a transactional produce's partition is in its transaction) and 2 is
 * part 2 (Produce v12 and TxnOffsetCommit v5 add their partition or group to the transaction,
 * EndTxn v5 bumps the epoch on every end). Finalized 2, as a new Kafka 4 cluster: clients
 * that know it use it; older ones keep the explicit AddPartitionsToTxn flow.
 */
const SUPPORTED_FEATURES = [
  { name: 'group.version', minVersion: 0, maxVersion: 1 },
  { name: 'transaction.version', minVersion: 0, maxVersion: 2 },
];
const FINALIZED_FEATURES = [
  { name: 'group.version', maxVersionLevel: 1, minVersionLevel: 1 },
  { name: 'transaction.version', maxVersionLevel: 2, minVersionLevel: 2 },
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
      res.finalizedFeaturesEpoch = 1;
      res.finalizedFeatures = FINALIZED_FEATURES.map((f) => ({ ...f }));
      return res;
    },
    errorResponse: (_req, _version, errorCode) => ({ ...defaultApiVersionsResponse(), errorCode }),
  });
}
