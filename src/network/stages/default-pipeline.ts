// The pipeline a listener runs: session → authenticate → authorise → quota.
import { RequestPipeline } from '../pipeline.js';
import { authenticateStage } from './authenticate-stage.js';
import { allowAll, authorizeStage, type Authorizer } from './authorize-stage.js';
import { quotaStage, unlimited, type QuotaManager } from './quota-stage.js';
import { sessionStage } from './session-stage.js';

export function defaultPipeline(options: { authorizer?: Authorizer; quotas?: QuotaManager } = {}): RequestPipeline {
  return new RequestPipeline([sessionStage, authenticateStage, authorizeStage(options.authorizer ?? allowAll), quotaStage(options.quotas ?? unlimited)]);
}
