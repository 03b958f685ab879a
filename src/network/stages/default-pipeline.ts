// The pipeline a listener runs: session → authenticate → authorise → quota.
import { RequestPipeline } from '../pipeline.js';
import { authenticateStage } from './authenticate-stage.js';
import type { AccessControl } from '../../services/acls.js';
import { authorizeStage } from './authorize-stage.js';
import { quotaStage, unlimited, type QuotaManager } from './quota-stage.js';
import { sessionStage } from './session-stage.js';

/** Without an access control nothing is refused (--authorizer none). */
const allowAll: AccessControl = { enabled: false, allows: () => true, allowsAny: () => true, authorizedOperations: () => 0 };

export function defaultPipeline(options: { access?: AccessControl; quotas?: QuotaManager } = {}): RequestPipeline {
  return new RequestPipeline([sessionStage, authenticateStage, authorizeStage(options.access ?? allowAll), quotaStage(options.quotas ?? unlimited)]);
}
