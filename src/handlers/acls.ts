// DescribeAcls (29), CreateAcls (30), DeleteAcls (31): the ACLs `kafka-acls` and
// Admin.createAcls manage. The authorise stage has already checked the cluster permission
// (Describe, Alter); without an authorizer every answer is SECURITY_DISABLED, as in Kafka.
import { ApiKey } from '../protocol/generated/api-keys.js';
import { ErrorCode } from '../protocol/generated/error-codes.js';
import { readCreateAclsRequest, type CreateAclsRequest } from '../protocol/generated/create-acls-request.js';
import { defaultCreateAclsResponse, writeCreateAclsResponse, type CreateAclsResponse } from '../protocol/generated/create-acls-response.js';
import { readDeleteAclsRequest, type DeleteAclsRequest } from '../protocol/generated/delete-acls-request.js';
import { defaultDeleteAclsResponse, writeDeleteAclsResponse, type DeleteAclsResponse } from '../protocol/generated/delete-acls-response.js';
import { readDescribeAclsRequest, type DescribeAclsRequest } from '../protocol/generated/describe-acls-request.js';
import { defaultDescribeAclsResponse, writeDescribeAclsResponse, type DescribeAclsResource, type DescribeAclsResponse } from '../protocol/generated/describe-acls-response.js';
import { invalidFilter, operationName, resourceTypeName, type AclBinding, type AclFilter } from '../services/acls.js';
import type { Session } from '../services/session.js';
import type { AuditLog } from '../services/audit.js';
import { defineHandler } from './handler.js';

const DISABLED = 'No Authorizer is configured.';

function describeBinding(b: AclBinding): string {
  const pattern = b.patternType === 4 ? 'PREFIXED' : 'LITERAL';
  return `${b.permission === 2 ? 'DENY' : 'ALLOW'} ${b.principal} from ${b.host} ${operationName(b.operation)} on ${resourceTypeName(b.resourceType)}:${pattern}:${b.resourceName}`;
}

function auditChange(audit: AuditLog, session: Session, event: 'acl_created' | 'acl_deleted', b: AclBinding): void {
  audit.record({
    event, principal: session.principal, clientHost: session.clientHost, listener: session.listener,
    resource: `${resourceTypeName(b.resourceType)}:${b.resourceName}`, operation: operationName(b.operation), detail: describeBinding(b),
  });
}

export const describeAclsHandler = defineHandler<DescribeAclsRequest, DescribeAclsResponse>({
  apiKey: ApiKey.DescribeAcls,
  minVersion: 0,
  maxVersion: 3,
  read: readDescribeAclsRequest,
  write: writeDescribeAclsResponse,
  handle(req, { services: { access, acls } }) {
    const res = defaultDescribeAclsResponse();
    if (!access.enabled) return { ...res, errorCode: ErrorCode.SECURITY_DISABLED, errorMessage: DISABLED };
    const filter: AclFilter = {
      resourceType: req.resourceTypeFilter, resourceName: req.resourceNameFilter, patternType: req.patternTypeFilter,
      principal: req.principalFilter, host: req.hostFilter, operation: req.operation, permission: req.permissionType,
    };
    const problem = invalidFilter(filter);
    if (problem !== undefined) return { ...res, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: problem };
    const byResource = new Map<string, DescribeAclsResource>();
    for (const b of acls.describe(filter)) {
      const key = `${b.resourceType}\u0000${b.patternType}\u0000${b.resourceName}`;
      let r = byResource.get(key);
      if (r === undefined) byResource.set(key, (r = { resourceType: b.resourceType, resourceName: b.resourceName, patternType: b.patternType, acls: [] }));
      r.acls.push({ principal: b.principal, host: b.host, operation: b.operation, permissionType: b.permission });
    }
    res.errorMessage = null;
    res.resources = [...byResource.values()];
    return res;
  },
  errorResponse: (_req, _version, errorCode) => ({ ...defaultDescribeAclsResponse(), errorCode }),
});

export const createAclsHandler = defineHandler<CreateAclsRequest, CreateAclsResponse>({
  apiKey: ApiKey.CreateAcls,
  minVersion: 0,
  maxVersion: 3,
  read: readCreateAclsRequest,
  write: writeCreateAclsResponse,
  async handle(req, { services: { access, acls, audit }, session }) {
    const res = defaultCreateAclsResponse();
    if (!access.enabled) {
      res.results = req.creations.map(() => ({ errorCode: ErrorCode.SECURITY_DISABLED, errorMessage: DISABLED }));
      return res;
    }
    const bindings: AclBinding[] = req.creations.map((c) => ({
      resourceType: c.resourceType, resourceName: c.resourceName, patternType: c.resourcePatternType,
      principal: c.principal, host: c.host, operation: c.operation, permission: c.permissionType,
    }));
    const results = await acls.create(bindings);
    res.results = results.map((r, i) => {
      if (!r.ok) return { errorCode: r.errorCode, errorMessage: r.message };
      auditChange(audit, session, 'acl_created', bindings[i]!);
      return { errorCode: 0, errorMessage: null };
    });
    return res;
  },
  errorResponse: (req, _version, errorCode) => ({ ...defaultCreateAclsResponse(), results: req.creations.map(() => ({ errorCode, errorMessage: null })) }),
});

export const deleteAclsHandler = defineHandler<DeleteAclsRequest, DeleteAclsResponse>({
  apiKey: ApiKey.DeleteAcls,
  minVersion: 0,
  maxVersion: 3,
  read: readDeleteAclsRequest,
  write: writeDeleteAclsResponse,
  async handle(req, { services: { access, acls, audit }, session }) {
    const res = defaultDeleteAclsResponse();
    if (!access.enabled) {
      res.filterResults = req.filters.map(() => ({ errorCode: ErrorCode.SECURITY_DISABLED, errorMessage: DISABLED, matchingAcls: [] }));
      return res;
    }
    const filters: AclFilter[] = req.filters.map((f) => ({
      resourceType: f.resourceTypeFilter, resourceName: f.resourceNameFilter, patternType: f.patternTypeFilter,
      principal: f.principalFilter, host: f.hostFilter, operation: f.operation, permission: f.permissionType,
    }));
    const problems = filters.map(invalidFilter);
    const results = await acls.delete(filters.filter((_, i) => problems[i] === undefined));
    let next = 0;
    res.filterResults = filters.map((_, i) => {
      const problem = problems[i];
      if (problem !== undefined) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: problem, matchingAcls: [] };
      const r = results[next++]!;
      if (!r.ok) return { errorCode: r.errorCode, errorMessage: r.message, matchingAcls: [] };
      for (const b of r.value) auditChange(audit, session, 'acl_deleted', b);
      return {
        errorCode: 0, errorMessage: null,
        matchingAcls: r.value.map((b) => ({
          errorCode: 0, errorMessage: null, resourceType: b.resourceType, resourceName: b.resourceName, patternType: b.patternType,
          principal: b.principal, host: b.host, operation: b.operation, permissionType: b.permission,
        })),
      };
    });
    return res;
  },
  errorResponse: (req, _version, errorCode) => ({ ...defaultDeleteAclsResponse(), filterResults: req.filters.map(() => ({ errorCode, errorMessage: null, matchingAcls: [] })) }),
});
