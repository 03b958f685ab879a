// Authentication, authorisation, quotas and the audit log, built on whichever metadata store
// the broker uses (the data directory's file, or PostgreSQL in cluster mode): both brokers'
// composition roots share this.
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

/** Creates the --bootstrap-user's SCRAM credentials on first start. */
export async function bootstrapUser(config: BrokerConfig, credentials: ScramCredentials, logger: Logger): Promise<void> {
  if (config.bootstrapUser !== '' && (await credentials.bootstrap(config.bootstrapUser))) {
    logger.info({ user: config.bootstrapUser.slice(0, config.bootstrapUser.indexOf(':')) }, 'bootstrap user created (SCRAM-SHA-256 and SCRAM-SHA-512)');
  }
}
