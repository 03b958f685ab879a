// The authentication gate: until a connection is authenticated only the APIs that lead
// to authentication (ApiVersions, SaslHandshake, SaslAuthenticate) may pass; anything else
// is answered SASL_AUTHENTICATION_FAILED and the connection closed. PLAINTEXT and SSL
// sessions start authenticated; SASL listeners' sessions start unauthenticated. A session
// past its lifetime (KIP-368 re-authentication) is treated the same: it must re-authenticate
// before anything else, or it is closed, as Kafka closes an expired connection.
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { RequestStage, StagedRequest, StageVerdict } from '../pipeline.js';

/** APIs a client may send before it has authenticated. */
const BEFORE_AUTH = new Set<number>([ApiKey.ApiVersions, ApiKey.SaslHandshake, ApiKey.SaslAuthenticate]);

export const authenticateStage: RequestStage = {
  name: 'authenticate',
  admit(req: StagedRequest): StageVerdict {
    if (BEFORE_AUTH.has(req.apiKey)) return undefined;
    const { authenticated, expiresAtMs } = req.session;
    if (authenticated && (expiresAtMs === undefined || Date.now() < expiresAtMs)) return undefined;
    const reason = `${authenticated ? 'the SASL session expired without re-authentication' : 'the connection has not authenticated'} (api key ${req.apiKey})`;
    return { errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED, reason, close: true };
  },
};
