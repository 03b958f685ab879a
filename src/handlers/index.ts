// The table of implemented APIs; ApiVersions advertises exactly this.
import { alterClientQuotasHandler, describeClientQuotasHandler } from './client-quotas.js';
import { createAclsHandler, deleteAclsHandler, describeAclsHandler } from './acls.js';
import { apiVersionsHandler } from './api-versions.js';
import { describeClusterHandler, findCoordinatorHandler, initProducerIdHandler } from './cluster.js';
import { alterConfigsHandler, describeConfigsHandler, incrementalAlterConfigsHandler } from './configs.js';
import { fetchHandler } from './fetch.js';
import { deleteGroupsHandler, describeGroupsHandler, heartbeatHandler, joinGroupHandler, leaveGroupHandler, listGroupsHandler, syncGroupHandler } from './groups.js';
import type { ApiHandler } from './handler.js';
import { listOffsetsHandler } from './list-offsets.js';
import { deleteRecordsHandler, describeLogDirsHandler, offsetForLeaderEpochHandler } from './log-info.js';
import { metadataHandler } from './metadata.js';
import { offsetCommitHandler, offsetDeleteHandler, offsetFetchHandler } from './offsets.js';
import { produceHandler } from './produce.js';
import { describeProducersHandler } from './producers.js';
import { consumerGroupDescribeHandler, consumerGroupHeartbeatHandler } from './consumer-groups.js';
import { saslAuthenticateHandler, saslHandshakeHandler } from './sasl.js';
import { alterUserScramCredentialsHandler, describeUserScramCredentialsHandler } from './scram-users.js';
import {
  addOffsetsToTxnHandler, addPartitionsToTxnHandler, describeTransactionsHandler, endTxnHandler, listTransactionsHandler, txnOffsetCommitHandler,
} from './transactions.js';
import { createPartitionsHandler, createTopicsHandler, deleteTopicsHandler } from './topics-admin.js';

export function buildHandlerTable(): ApiHandler[] {
  const table: ApiHandler[] = [
    produceHandler, fetchHandler, listOffsetsHandler, metadataHandler, offsetCommitHandler, offsetFetchHandler,
    findCoordinatorHandler, joinGroupHandler, heartbeatHandler, leaveGroupHandler, syncGroupHandler,
    describeGroupsHandler, listGroupsHandler, createTopicsHandler, deleteTopicsHandler, initProducerIdHandler,
    describeConfigsHandler, createPartitionsHandler, deleteGroupsHandler, incrementalAlterConfigsHandler,
    describeClusterHandler, alterConfigsHandler, saslHandshakeHandler, saslAuthenticateHandler,
    describeUserScramCredentialsHandler, alterUserScramCredentialsHandler, describeAclsHandler, createAclsHandler, deleteAclsHandler,
    describeClientQuotasHandler, alterClientQuotasHandler, offsetDeleteHandler,
    describeLogDirsHandler, offsetForLeaderEpochHandler, deleteRecordsHandler, describeProducersHandler,
    consumerGroupHeartbeatHandler, consumerGroupDescribeHandler,
    addPartitionsToTxnHandler, addOffsetsToTxnHandler, endTxnHandler, txnOffsetCommitHandler, describeTransactionsHandler, listTransactionsHandler,
  ] as ApiHandler[];
  table.push(apiVersionsHandler(() => table) as ApiHandler);
  return table;
}
