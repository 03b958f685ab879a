// SaslHandshake (17) and SaslAuthenticate (36), KIP-152 framing: the handshake picks a
// mechanism, then each SaslAuthenticate carries one token of it. Only SASL listeners
// authenticate; elsewhere, and after authentication, both answer ILLEGAL_SASL_STATE (as
// Kafka does). A failed or out-of-order exchange is answered and then the connection is
// closed, as Kafka's SaslServerAuthenticator does. Handshake v0 (raw tokens outside Kafka
// framing) is answered UNSUPPORTED_VERSION and closed: every current client uses v1. v0 is
// still advertised because librdkafka enables SASL only when v0 lies in the range.
//
// Re-authentication (KIP-368): with connections.max.reauth.ms set, SaslAuthenticate tells
// the client its session lifetime, and an authenticated session may run the exchange again
// on the same connection, with the same mechanism, and must come out as the same principal.
import { KafkaError } from '../errors.js';
import { ApiKey } from '../protocol/generated/api-keys.js';
import { ErrorCode } from '../protocol/generated/error-codes.js';
import { readSaslAuthenticateRequest, type SaslAuthenticateRequest } from '../protocol/generated/sasl-authenticate-request.js';
import { defaultSaslAuthenticateResponse, writeSaslAuthenticateResponse, type SaslAuthenticateResponse } from '../protocol/generated/sasl-authenticate-response.js';
import { readSaslHandshakeRequest, type SaslHandshakeRequest } from '../protocol/generated/sasl-handshake-request.js';
import { defaultSaslHandshakeResponse, writeSaslHandshakeResponse, type SaslHandshakeResponse } from '../protocol/generated/sasl-handshake-response.js';
import { isSaslListener } from '../services/session.js';
import { defineHandler } from './handler.js';
import { errorCodeOf, errorMessageOf } from './error-code.js';

export const saslHandshakeHandler = defineHandler<SaslHandshakeRequest, SaslHandshakeResponse>({
  apiKey: ApiKey.SaslHandshake,
  minVersion: 0,
  maxVersion: 1,
  read: readSaslHandshakeRequest,
  write: writeSaslHandshakeResponse,
  handle(req, { services: { authenticator, audit }, session, version }) {
    const res = defaultSaslHandshakeResponse();
    res.mechanisms = [...authenticator.mechanisms];
    if (version === 0) {
      res.errorCode = ErrorCode.UNSUPPORTED_VERSION;
      session.closeAfterResponse = true;
      return res;
    }
    const reauthenticating = session.authenticated && session.expiresAtMs !== undefined;
    if (!isSaslListener(session.listener) || (session.authenticated && !reauthenticating) || session.sasl !== undefined) {
      res.errorCode = ErrorCode.ILLEGAL_SASL_STATE;
      if (isSaslListener(session.listener) && !session.authenticated) session.closeAfterResponse = true;
      return res;
    }
    if (reauthenticating && req.mechanism !== session.mechanism) {
      audit.record({ event: 'authentication_failed', principal: session.principal, clientHost: session.clientHost, listener: session.listener, mechanism: req.mechanism, reason: `re-authentication must use ${session.mechanism}` });
      res.errorCode = ErrorCode.ILLEGAL_SASL_STATE;
      session.closeAfterResponse = true;
      return res;
    }
    const where = { principal: session.principal, clientHost: session.clientHost, listener: session.listener, mechanism: req.mechanism };
    if (!authenticator.admit(session.clientHost)) {
      // Too many failed logins from this address lately: no password work for it now.
      audit.record({ event: 'login_throttled', ...where, reason: 'too many failed logins from this address' });
      res.errorCode = ErrorCode.ILLEGAL_SASL_STATE;
      session.closeAfterResponse = true;
      return res;
    }
    const exchange = authenticator.begin(req.mechanism);
    if (exchange === undefined) {
      audit.record({ event: 'authentication_failed', ...where, reason: 'unsupported mechanism' });
      res.errorCode = ErrorCode.UNSUPPORTED_SASL_MECHANISM;
      session.closeAfterResponse = true;
      return res;
    }
    session.sasl = exchange;
    return res;
  },
  errorResponse: (_req, _version, errorCode) => ({ ...defaultSaslHandshakeResponse(), errorCode }),
});

export const saslAuthenticateHandler = defineHandler<SaslAuthenticateRequest, SaslAuthenticateResponse>({
  apiKey: ApiKey.SaslAuthenticate,
  minVersion: 0,
  maxVersion: 2,
  read: readSaslAuthenticateRequest,
  write: writeSaslAuthenticateResponse,
  async handle(req, { services: { authenticator, audit, config }, session }) {
    const res = defaultSaslAuthenticateResponse();
    res.errorMessage = null;
    const exchange = session.sasl;
    try {
      if (exchange === undefined) throw new KafkaError('ILLEGAL_SASL_STATE', 'SaslAuthenticate without a SaslHandshake on a SASL listener');
      const step = await exchange.step(req.authBytes);
      res.authBytes = step.challenge;
      if (step.principal !== undefined) {
        if (session.authenticated && step.principal !== session.principal) {
          throw new KafkaError('SASL_AUTHENTICATION_FAILED', `Cannot change principals during re-authentication from ${session.principal}: ${step.principal}`);
        }
        session.principal = step.principal;
        session.authenticated = true;
        session.mechanism = exchange.mechanism;
        session.sasl = undefined;
        if (config.connectionsMaxReauthMs > 0) {
          // As Kafka: the session ends at connections.max.reauth.ms or when the credential (a token) expires, if sooner.
          const now = Date.now();
          const lifetime = Math.max(0, Math.min(config.connectionsMaxReauthMs, (step.expiresAtMs ?? Infinity) - now));
          session.expiresAtMs = now + lifetime;
          res.sessionLifetimeMs = lifetime;
        }
      }
    } catch (err) {
      res.errorCode = errorCodeOf(err);
      res.errorMessage = errorMessageOf(err);
      res.authBytes = Buffer.alloc(0);
      if (res.errorCode === ErrorCode.SASL_AUTHENTICATION_FAILED) authenticator.failed(session.clientHost);
      audit.record({ event: 'authentication_failed', principal: session.principal, clientHost: session.clientHost, listener: session.listener, mechanism: exchange?.mechanism, reason: res.errorMessage ?? 'failed' });
      session.sasl = undefined;
      session.closeAfterResponse = true;
    }
    return res;
  },
  errorResponse: (_req, _version, errorCode) => ({ ...defaultSaslAuthenticateResponse(), errorCode }),
});
