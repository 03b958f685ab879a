// DescribeUserScramCredentials (50) and AlterUserScramCredentials (51): SCRAM users, as
// `kafka-configs --entity-type users --alter --add-config 'SCRAM-SHA-256=[password=…]'`
// manages them. The client salts the password; the broker stores only the derived keys.
import { ApiKey } from '../protocol/generated/api-keys.js';
import { ErrorCode } from '../protocol/generated/error-codes.js';
import { readAlterUserScramCredentialsRequest, type AlterUserScramCredentialsRequest } from '../protocol/generated/alter-user-scram-credentials-request.js';
import { defaultAlterUserScramCredentialsResponse, writeAlterUserScramCredentialsResponse, type AlterUserScramCredentialsResponse } from '../protocol/generated/alter-user-scram-credentials-response.js';
import { readDescribeUserScramCredentialsRequest, type DescribeUserScramCredentialsRequest } from '../protocol/generated/describe-user-scram-credentials-request.js';
import { defaultDescribeUserScramCredentialsResponse, writeDescribeUserScramCredentialsResponse, type DescribeUserScramCredentialsResponse } from '../protocol/generated/describe-user-scram-credentials-response.js';
import type { ScramMechanism } from '../services/auth.js';
import { defineHandler } from './handler.js';
import { errorCodeOf, errorMessageOf } from './error-code.js';

/** Kafka's ScramMechanism type codes. */
const MECHANISM_CODES: Record<number, ScramMechanism> = { 1: 'SCRAM-SHA-256', 2: 'SCRAM-SHA-512' };
const CODE_OF: Record<ScramMechanism, number> = { 'SCRAM-SHA-256': 1, 'SCRAM-SHA-512': 2 };

export const describeUserScramCredentialsHandler = defineHandler<DescribeUserScramCredentialsRequest, DescribeUserScramCredentialsResponse>({
  apiKey: ApiKey.DescribeUserScramCredentials,
  minVersion: 0,
  maxVersion: 0,
  read: readDescribeUserScramCredentialsRequest,
  write: writeDescribeUserScramCredentialsResponse,
  handle(req, { services: { scramCredentials } }) {
    const res = defaultDescribeUserScramCredentialsResponse();
    res.errorMessage = null;
    const asked = req.users === null || req.users.length === 0 ? null : req.users.map((u) => u.name);
    const found = scramCredentials.describe(asked);
    const seen = new Set<string>();
    const results = asked === null ? found.map((f) => f.user) : asked;
    res.results = results.map((user) => {
      if (seen.has(user)) return { user, errorCode: ErrorCode.DUPLICATE_RESOURCE, errorMessage: `user ${user} is asked twice`, credentialInfos: [] };
      seen.add(user);
      const f = found.find((x) => x.user === user);
      if (f === undefined) return { user, errorCode: ErrorCode.RESOURCE_NOT_FOUND, errorMessage: 'Attempt to describe a user credential that does not exist', credentialInfos: [] };
      return { user, errorCode: 0, errorMessage: null, credentialInfos: f.credentials.map((c) => ({ mechanism: CODE_OF[c.mechanism], iterations: c.iterations })) };
    });
    return res;
  },
  errorResponse: (_req, _version, errorCode) => ({ ...defaultDescribeUserScramCredentialsResponse(), errorCode }),
});

export const alterUserScramCredentialsHandler = defineHandler<AlterUserScramCredentialsRequest, AlterUserScramCredentialsResponse>({
  apiKey: ApiKey.AlterUserScramCredentials,
  minVersion: 0,
  maxVersion: 0,
  read: readAlterUserScramCredentialsRequest,
  write: writeAlterUserScramCredentialsResponse,
  async handle(req, { services: { scramCredentials, audit }, session }) {
    const res = defaultAlterUserScramCredentialsResponse();
    const who = { principal: session.principal, clientHost: session.clientHost, listener: session.listener };
    const outcome = new Map<string, { errorCode: number; errorMessage: string | null }>();
    const fail = (user: string, errorCode: number, errorMessage: string): void => void outcome.set(user, { errorCode, errorMessage });
    // As Kafka: a user named twice for the same mechanism fails whole, before anything changes.
    const pairs = [...req.deletions.map((d) => `${d.name}\u0000${d.mechanism}`), ...req.upsertions.map((u) => `${u.name}\u0000${u.mechanism}`)];
    const dup = new Set(pairs.filter((p, i) => pairs.indexOf(p) !== i).map((p) => p.split('\u0000')[0]!));
    for (const user of dup) fail(user, ErrorCode.DUPLICATE_RESOURCE, 'a user and mechanism appear twice in one request');
    for (const d of req.deletions) {
      if (outcome.has(d.name)) continue;
      const m = MECHANISM_CODES[d.mechanism];
      if (m === undefined) { fail(d.name, ErrorCode.UNSUPPORTED_SASL_MECHANISM, `unknown SCRAM mechanism ${d.mechanism}`); continue; }
      try {
        await scramCredentials.delete(d.name, m);
        audit.record({ event: 'scram_credential_deleted', ...who, resource: `user:${d.name}`, mechanism: m });
      } catch (err) {
        fail(d.name, errorCodeOf(err), errorMessageOf(err) ?? 'failed');
      }
    }
    for (const u of req.upsertions) {
      if (outcome.has(u.name)) continue;
      const m = MECHANISM_CODES[u.mechanism];
      if (m === undefined) { fail(u.name, ErrorCode.UNSUPPORTED_SASL_MECHANISM, `unknown SCRAM mechanism ${u.mechanism}`); continue; }
      try {
        await scramCredentials.upsert(u.name, m, u.salt, u.saltedPassword, u.iterations);
        audit.record({ event: 'scram_credential_upserted', ...who, resource: `user:${u.name}`, mechanism: m });
      } catch (err) {
        fail(u.name, errorCodeOf(err), errorMessageOf(err) ?? 'failed');
      }
    }
    const users = [...new Set([...req.deletions.map((d) => d.name), ...req.upsertions.map((u) => u.name)])];
    res.results = users.map((user) => ({ user, ...(outcome.get(user) ?? { errorCode: 0, errorMessage: null }) }));
    return res;
  },
  errorResponse(req, _version, errorCode) {
    const users = [...new Set([...req.deletions.map((d) => d.name), ...req.upsertions.map((u) => u.name)])];
    return { ...defaultAlterUserScramCredentialsResponse(), results: users.map((user) => ({ user, errorCode, errorMessage: null })) };
  },
});
