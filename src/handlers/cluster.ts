// Small cluster-level APIs: DescribeCluster, FindCoordinator, InitProducerId.
import { ApiKey } from '../protocol/generated/api-keys.js';
import { ErrorCode } from '../protocol/generated/error-codes.js';
import { readDescribeClusterRequest, type DescribeClusterRequest } from '../protocol/generated/describe-cluster-request.js';
import { defaultDescribeClusterResponse, writeDescribeClusterResponse, type DescribeClusterResponse } from '../protocol/generated/describe-cluster-response.js';
import { readFindCoordinatorRequest, type FindCoordinatorRequest } from '../protocol/generated/find-coordinator-request.js';
import { defaultFindCoordinatorResponse, writeFindCoordinatorResponse, type FindCoordinatorResponse } from '../protocol/generated/find-coordinator-response.js';
import { readInitProducerIdRequest, type InitProducerIdRequest } from '../protocol/generated/init-producer-id-request.js';
import { defaultInitProducerIdResponse, writeInitProducerIdResponse, type InitProducerIdResponse } from '../protocol/generated/init-producer-id-response.js';
import { AclOperation, CLUSTER_NAME, ResourceType } from '../services/acls.js';
import { defineHandler } from './handler.js';
import { errorCodeOf } from './error-code.js';

const KEY_TYPE_GROUP = 0;
const KEY_TYPE_TRANSACTION = 1;

export const describeClusterHandler = defineHandler<DescribeClusterRequest, DescribeClusterResponse>({
  apiKey: ApiKey.DescribeCluster,
  minVersion: 0,
  maxVersion: 1,
  read: readDescribeClusterRequest,
  write: writeDescribeClusterResponse,
  handle(req, { services: { cluster, access }, session }) {
    const res = defaultDescribeClusterResponse();
    res.clusterId = cluster.clusterId;
    res.controllerId = cluster.controllerId();
    res.brokers = cluster.brokers(session.listener).map((b) => ({ brokerId: b.nodeId, host: b.host, port: b.port, rack: b.rack }));
    // As Kafka: asked-for operations are shown only to a session that may Describe the cluster (else none).
    res.clusterAuthorizedOperations = !req.includeClusterAuthorizedOperations ? -2147483648
      : access.allows(session, AclOperation.DESCRIBE, ResourceType.CLUSTER, CLUSTER_NAME) ? access.authorizedOperations(session, ResourceType.CLUSTER, CLUSTER_NAME) : 0;
    return res;
  },
  errorResponse: (_req, _version, errorCode) => ({ ...defaultDescribeClusterResponse(), errorCode }),
});

export const findCoordinatorHandler = defineHandler<FindCoordinatorRequest, FindCoordinatorResponse>({
  apiKey: ApiKey.FindCoordinator,
  minVersion: 0,
  maxVersion: 4,
  read: readFindCoordinatorRequest,
  write: writeFindCoordinatorResponse,
  handle(req, { services: { cluster, access }, version, session }) {
    const res = defaultFindCoordinatorResponse();
    const group = req.keyType === KEY_TYPE_GROUP;
    // As Kafka: finding a group's coordinator needs Describe on the group, a transaction's on its id.
    const errorOf = (key: string): number => {
      if (req.keyType !== KEY_TYPE_GROUP && req.keyType !== KEY_TYPE_TRANSACTION) return ErrorCode.INVALID_REQUEST;
      if (!access.allows(session, AclOperation.DESCRIBE, group ? ResourceType.GROUP : ResourceType.TRANSACTIONAL_ID, key)) {
        return group ? ErrorCode.GROUP_AUTHORIZATION_FAILED : ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
      }
      return 0;
    };
    const messageOf = (code: number): string | null => (code === ErrorCode.INVALID_REQUEST ? `unknown coordinator key type ${req.keyType}` : code === 0 ? null : 'not authorised');
    // The coordinator, or why there is none (COORDINATOR_NOT_AVAILABLE while a cluster moves it).
    const locate = (key: string, errorCode: number): { errorCode: number; errorMessage: string | null; nodeId: number; host: string; port: number } => {
      if (errorCode !== 0) return { errorCode, errorMessage: messageOf(errorCode), nodeId: -1, host: '', port: -1 };
      try {
        return { errorCode: 0, errorMessage: null, ...cluster.coordinatorFor(key, session.listener) };
      } catch (err) {
        return { errorCode: errorCodeOf(err), errorMessage: (err as Error).message, nodeId: -1, host: '', port: -1 };
      }
    };
    if (version >= 4) {
      res.coordinators = req.coordinatorKeys.map((key) => {
        const found = locate(key, errorOf(key));
        if (found.errorCode !== 0) return { key, nodeId: -1, host: '', port: -1, errorCode: found.errorCode, errorMessage: found.errorMessage };
        return { key, nodeId: found.nodeId, host: found.host, port: found.port, errorCode: 0, errorMessage: null };
      });
    } else {
      const found = locate(req.key, errorOf(req.key));
      Object.assign(res, found.errorCode === 0 ? { errorCode: 0, errorMessage: null, nodeId: found.nodeId, host: found.host, port: found.port } : { errorCode: found.errorCode, errorMessage: found.errorMessage, nodeId: -1, host: '', port: -1 });
    }
    return res;
  },
  errorResponse(req, version, errorCode) {
    const res = defaultFindCoordinatorResponse();
    if (version >= 4) res.coordinators = req.coordinatorKeys.map((key) => ({ key, nodeId: -1, host: '', port: -1, errorCode, errorMessage: null }));
    else Object.assign(res, { errorCode, nodeId: -1, host: '', port: -1 });
    return res;
  },
});

export const initProducerIdHandler = defineHandler<InitProducerIdRequest, InitProducerIdResponse>({
  apiKey: ApiKey.InitProducerId,
  minVersion: 0,
  maxVersion: 5,
  read: readInitProducerIdRequest,
  write: writeInitProducerIdResponse,
  async handle(req, { services: { producerIds, transactions } }) {
    const res = defaultInitProducerIdResponse();
    if (req.transactionalId !== null) {
      // The transaction coordinator: a new id, or the old one with its epoch bumped (fencing the previous producer).
      try {
        const out = await transactions.initProducerId({ transactionalId: req.transactionalId, transactionTimeoutMs: req.transactionTimeoutMs, producerId: req.producerId, producerEpoch: req.producerEpoch });
        res.producerId = out.producerId;
        res.producerEpoch = out.producerEpoch;
      } catch (err) {
        res.errorCode = errorCodeOf(err);
        res.producerId = -1;
        res.producerEpoch = -1;
      }
      return res;
    }
    // An idempotent producer gets a fresh id each time; epochs only matter for transactions.
    res.producerId = await producerIds.allocate();
    res.producerEpoch = 0;
    return res;
  },
  errorResponse: (_req, _version, errorCode) => ({ ...defaultInitProducerIdResponse(), errorCode, producerId: -1, producerEpoch: -1 }),
});
