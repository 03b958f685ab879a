// What both composition roots (the single-node broker and a cluster-mode one) build the same
// way: authentication, authorisation, quotas and the audit log on whichever metadata store
// the broker uses (the data directory's file, or PostgreSQL), the connections' dependencies,
// and the broker's registration.
import type { Logger } from '../logger.js';
import { superUsersOf, type BrokerConfig } from '../config/broker-config.js';
import type { ClientQuotaRecord, ClusterMetadataStore, ScramCredentialRecord, Versioned } from '../services/cluster-metadata.js';
import type { AccessControl, AclAdmin, AclBinding } from '../services/acls.js';
import { ScramCredentials } from '../security/credentials.js';
import { LoginThrottle } from '../security/login-throttle.js';
import { tokenValidator } from '../security/oauthbearer.js';
import { PinoAuditLog } from '../security/audit-log.js';
import { AclAuthorizer, allowEverything } from '../security/acl-authorizer.js';
import { ClientQuotas } from '../security/client-quotas.js';
import type { ApiHandler } from '../handlers/handler.js';
import type { HandlerServices } from '../services/handler-services.js';
import type { NodeInfo } from '../services/cluster.js';
import type { ConnectionDeps } from '../network/connection.js';
import { defaultPipeline } from '../network/stages/default-pipeline.js';
import type { Metrics } from '../metrics/metrics.js';

export interface SecurityBoot {
  scram: ReadonlyArray<Versioned<ScramCredentialRecord>>;
  acls: AclBinding[];
  quotas: ClientQuotaRecord[];
}

export interface Security {
  credentials: ScramCredentials;
  audit: PinoAuditLog;
  authorizer: AccessControl & AclAdmin;
  quotas: ClientQuotas;
}

/** What the store holds at start (read before, because the constructors are synchronous). */
export async function readSecurityBoot(metadata: ClusterMetadataStore): Promise<SecurityBoot> {
  return { scram: await metadata.scramCredentials(), acls: await metadata.acls(), quotas: await metadata.clientQuotas() };
}

export function buildSecurity(config: BrokerConfig, metadata: ClusterMetadataStore, boot: SecurityBoot): Security {
  const mechanisms = config.saslEnabledMechanisms.split(',').map((m) => m.trim());
  const oauth = mechanisms.includes('OAUTHBEARER') ? tokenValidator({
    jwksUrl: config.saslOauthbearerJwksEndpointUrl, audience: config.saslOauthbearerExpectedAudience,
    issuer: config.saslOauthbearerExpectedIssuer, subClaim: config.saslOauthbearerSubClaimName,
  }) : undefined;
  const credentials = new ScramCredentials(metadata, boot.scram, mechanisms, new LoginThrottle(config.saslFailedLoginBurst, config.saslFailedLoginsPerSecond), oauth);
  const audit = new PinoAuditLog(config.auditLogFile);
  const authorizer = config.authorizer === 'acl'
    ? new AclAuthorizer(metadata, boot.acls, { superUsers: superUsersOf(config), allowEveryoneIfNoAclFound: config.allowEveryoneIfNoAclFound, audit })
    : allowEverything;
  return { credentials, audit, authorizer, quotas: new ClientQuotas(metadata, boot.quotas) };
}

/** What a Kafka listener's connections see, for either kind of broker. */
export function connectionDepsOf(listener: string, b: {
  handlers: ReadonlyMap<number, ApiHandler>; services: HandlerServices; config: BrokerConfig; logger: Logger; metrics: Metrics; authorizer: AccessControl; quotas: ClientQuotas;
}): ConnectionDeps {
  return {
    listener, handlers: b.handlers, services: b.services, pipeline: defaultPipeline({ access: b.authorizer }),
    maxRequestBytes: b.config.socketRequestMaxBytes, metrics: b.metrics.broker, logger: b.logger,
    authTimeoutMs: b.config.saslAuthTimeoutMs, quotas: b.quotas,
  };
}

/** Records the broker and its advertised address in the metadata store (once its listener is bound). */
export async function registerBroker(metadata: ClusterMetadataStore, self: NodeInfo): Promise<void> {
  const known = (await metadata.brokers()).find((b) => b.value.nodeId === self.nodeId);
  await metadata.registerBroker({ nodeId: self.nodeId, host: self.host, port: self.port, rack: self.rack }, known?.version ?? 0);
}

/** Creates the --bootstrap-user's SCRAM credentials on first start. */
export async function bootstrapUser(config: BrokerConfig, credentials: ScramCredentials, logger: Logger): Promise<void> {
  if (config.bootstrapUser !== '' && (await credentials.bootstrap(config.bootstrapUser))) {
    logger.info({ user: config.bootstrapUser.slice(0, config.bootstrapUser.indexOf(':')) }, 'bootstrap user created (SCRAM-SHA-256 and SCRAM-SHA-512)');
  }
}
