// The authentication gate: until a connection is authenticated only the APIs that lead
// to authentication (ApiVersions, SaslHandshake, SaslAuthenticate) may pass; anything else
// is answered SASL_AUTHENTICATION_FAILED and the connection closed. PLAINTEXT and SSL
// sessions start authenticated; SASL listeners' sessions start unauthenticated.
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { RequestStage, StagedRequest, StageVerdict } from '../pipeline.js';

/** APIs a client may send before it has authenticated. */
const BEFORE_AUTH = new Set<number>([ApiKey.ApiVersions, ApiKey.SaslHandshake, ApiKey.SaslAuthenticate]);

export const authenticateStage: RequestStage = {
  name: 'authenticate',
  admit(req: StagedRequest): StageVerdict {
    if (req.session.authenticated || BEFORE_AUTH.has(req.apiKey)) return undefined;
    return { errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED, reason: 'the connection has not authenticated', close: true };
  },
};
