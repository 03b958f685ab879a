// Small cluster-level APIs: DescribeCluster, FindCoordinator, InitProducerId.
import { ApiKey } from '../protocol/generated/api-keys.js';
import { ErrorCode } from '../protocol/generated/error-codes.js';
import { readDescribeClusterRequest, type DescribeClusterRequest } from '../protocol/generated/describe-cluster-request.js';
import { defaultDescribeClusterResponse, writeDescribeClusterResponse, type DescribeClusterResponse } from '../protocol/generated/describe-cluster-response.js';
import { readFindCoordinatorRequest, type FindCoordinatorRequest } from '../protocol/generated/find-coordinator-request.js';
import { defaultFindCoordinatorResponse, writeFindCoordinatorResponse, type FindCoordinatorResponse } from '../protocol/generated/find-coordinator-response.js';
import { readInitProducerIdRequest, type InitProducerIdRequest } from '../protocol/generated/init-producer-id-request.js';
import { defaultInitProducerIdResponse, writeInitProducerIdResponse, type InitProducerIdResponse } from '../protocol/generated/init-producer-id-response.js';
import { defineHandler } from './handler.js';

const KEY_TYPE_GROUP = 0;

export const describeClusterHandler = defineHandler<DescribeClusterRequest, DescribeClusterResponse>({
  apiKey: ApiKey.DescribeCluster,
  minVersion: 0,
  maxVersion: 1,
  read: readDescribeClusterRequest,
  write: writeDescribeClusterResponse,
  handle(_req, { services: { cluster }, session }) {
    const res = defaultDescribeClusterResponse();
    res.clusterId = cluster.clusterId;
    res.controllerId = cluster.controllerId();
    res.brokers = cluster.brokers(session.listener).map((b) => ({ brokerId: b.nodeId, host: b.host, port: b.port, rack: b.rack }));
    res.clusterAuthorizedOperations = -2147483648;
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
  handle(req, { services: { cluster }, version, session }) {
    const res = defaultFindCoordinatorResponse();
    // Transactions are not implemented: no transaction coordinator.
    const errorCode = req.keyType === KEY_TYPE_GROUP ? 0 : ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const errorMessage = errorCode === 0 ? null : 'transactions are not supported yet';
    if (version >= 4) {
      res.coordinators = req.coordinatorKeys.map((key) => {
        const { nodeId, host, port } = cluster.coordinatorFor(key, session.listener);
        return { key, nodeId, host, port, errorCode, errorMessage };
      });
    } else {
      const { nodeId, host, port } = cluster.coordinatorFor(req.key, session.listener);
      Object.assign(res, { errorCode, errorMessage, nodeId: errorCode === 0 ? nodeId : -1, host: errorCode === 0 ? host : '', port: errorCode === 0 ? port : -1 });
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
  async handle(req, { services: { producerIds } }) {
    const res = defaultInitProducerIdResponse();
    if (req.transactionalId !== null) {
      res.errorCode = ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
      res.producerId = -1;
      res.producerEpoch = -1;
      return res;
    }
    // An idempotent producer gets a fresh id each time; epochs only matter for transactions.
    res.producerId = await producerIds.allocate();
    res.producerEpoch = 0;
    return res;
  },
  errorResponse: (_req, _version, errorCode) => ({ ...defaultInitProducerIdResponse(), errorCode, producerId: -1, producerEpoch: -1 }),
});
