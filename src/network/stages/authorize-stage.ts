// Authorisation: may this principal perform this request? An Authorizer decides per
// request; the default allows everything (no ACLs yet). ACLs plug in as an Authorizer.
import type { RequestStage, StagedRequest, StageVerdict } from '../pipeline.js';

export interface Authorizer {
  authorize(req: StagedRequest): StageVerdict | Promise<StageVerdict>;
}

export const allowAll: Authorizer = { authorize: () => undefined };

export function authorizeStage(authorizer: Authorizer = allowAll): RequestStage {
  return { name: 'authorize', admit: (req) => authorizer.authorize(req) };
}
