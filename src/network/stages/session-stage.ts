// Who is asking: the session learns the client id of each request header (Kafka lets a
// client change it per request; quotas and logs key on it).
import type { RequestStage, StagedRequest, StageVerdict } from '../pipeline.js';

export const sessionStage: RequestStage = {
  name: 'session',
  admit(req: StagedRequest): StageVerdict {
    req.session.clientId = req.header.clientId;
    return undefined;
  },
};
