// DescribeClientQuotas (48) and AlterClientQuotas (49): the quotas `kafka-configs
// --entity-type users|clients --alter --add-config producer_byte_rate=…` manages. The
// authorise stage has checked DescribeConfigs / AlterConfigs on the cluster.
import { ApiKey } from '../protocol/generated/api-keys.js';
import { ErrorCode } from '../protocol/generated/error-codes.js';
import { readAlterClientQuotasRequest, type AlterClientQuotasRequest } from '../protocol/generated/alter-client-quotas-request.js';
import { defaultAlterClientQuotasResponse, writeAlterClientQuotasResponse, type AlterClientQuotasResponse } from '../protocol/generated/alter-client-quotas-response.js';
import { readDescribeClientQuotasRequest, type DescribeClientQuotasRequest } from '../protocol/generated/describe-client-quotas-request.js';
import { defaultDescribeClientQuotasResponse, writeDescribeClientQuotasResponse, type DescribeClientQuotasResponse } from '../protocol/generated/describe-client-quotas-response.js';
import { invalidQuotaChange, type QuotaEntity } from '../services/quotas.js';
import { defineHandler } from './handler.js';
import { errorCodeOf, errorMessageOf } from './error-code.js';

const MATCH_EXACT = 0;
const MATCH_DEFAULT = 1;
const MATCH_ANY = 2;

const describeEntity = (e: QuotaEntity): string => Object.entries(e).map(([t, n]) => `${t}=${n ?? '<default>'}`).join(',');

export const describeClientQuotasHandler = defineHandler<DescribeClientQuotasRequest, DescribeClientQuotasResponse>({
  apiKey: ApiKey.DescribeClientQuotas,
  minVersion: 0,
  maxVersion: 1,
  read: readDescribeClientQuotasRequest,
  write: writeDescribeClientQuotasResponse,
  handle(req, { services: { quotas } }) {
    const res = defaultDescribeClientQuotasResponse();
    const types = req.components.map((c) => c.entityType);
    const bad = req.components.find((c) => ![MATCH_EXACT, MATCH_DEFAULT, MATCH_ANY].includes(c.matchType) || (c.matchType === MATCH_EXACT && c.match === null));
    if (bad !== undefined || new Set(types).size !== types.length) {
      return { ...res, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: bad !== undefined ? `invalid match type ${bad.matchType} for ${bad.entityType}` : 'an entity type appears twice', entries: null };
    }
    res.errorMessage = null;
    res.entries = quotas.describe(req.components, req.strict).map((q) => ({
      entity: Object.entries(q.entity).map(([entityType, entityName]) => ({ entityType, entityName: entityName ?? null })),
      values: Object.entries(q.values).map(([key, value]) => ({ key, value })),
    }));
    return res;
  },
  errorResponse: (_req, _version, errorCode) => ({ ...defaultDescribeClientQuotasResponse(), errorCode, entries: null }),
});

export const alterClientQuotasHandler = defineHandler<AlterClientQuotasRequest, AlterClientQuotasResponse>({
  apiKey: ApiKey.AlterClientQuotas,
  minVersion: 0,
  maxVersion: 1,
  read: readAlterClientQuotasRequest,
  write: writeAlterClientQuotasResponse,
  async handle(req, { services: { quotas, audit }, session }) {
    const res = defaultAlterClientQuotasResponse();
    for (const entry of req.entries) {
      const out = { errorCode: 0, errorMessage: null as string | null, entity: entry.entity };
      res.entries.push(out);
      const problem = invalidQuotaChange(entry.entity, entry.ops);
      if (problem !== undefined) {
        Object.assign(out, { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: problem });
        continue;
      }
      if (req.validateOnly) continue;
      const entity: QuotaEntity = Object.fromEntries(entry.entity.map((e) => [e.entityType, e.entityName]));
      const changes = Object.fromEntries(entry.ops.map((o) => [o.key, o.remove ? null : o.value]));
      try {
        await quotas.alter(entity, changes);
        audit.record({
          event: 'client_quota_altered', principal: session.principal, clientHost: session.clientHost, listener: session.listener,
          resource: describeEntity(entity), detail: entry.ops.map((o) => (o.remove ? `-${o.key}` : `${o.key}=${o.value}`)).join(','),
        });
      } catch (err) {
        Object.assign(out, { errorCode: errorCodeOf(err), errorMessage: errorMessageOf(err) });
      }
    }
    return res;
  },
  errorResponse: (req, _version, errorCode) => ({ ...defaultAlterClientQuotasResponse(), entries: req.entries.map((e) => ({ errorCode, errorMessage: null, entity: e.entity })) }),
});
