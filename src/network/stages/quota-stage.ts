// Quotas: request rate and byte rate per principal or client id. A QuotaManager may
// refuse or delay a request (resolve later); the default has no quotas.
import type { RequestStage, StagedRequest, StageVerdict } from '../pipeline.js';

export interface QuotaManager {
  admit(req: StagedRequest): StageVerdict | Promise<StageVerdict>;
}

export const unlimited: QuotaManager = { admit: () => undefined };

export function quotaStage(quotas: QuotaManager = unlimited): RequestStage {
  return { name: 'quota', admit: (req) => quotas.admit(req) };
}
