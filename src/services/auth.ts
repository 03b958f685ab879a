// Authentication as handlers see it: SASL mechanisms (SaslHandshake picks one, each
// SaslAuthenticate feeds it a token) and the SCRAM credentials users are checked against
// (Describe/AlterUserScramCredentials manage them). Implementations: src/security/.
export const SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];
export const SCRAM_MECHANISMS = ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;
export type ScramMechanism = (typeof SCRAM_MECHANISMS)[number];

/** One step of a SASL exchange: the server's answer, and the principal once the client is authenticated. */
export interface SaslStep {
  challenge: Buffer;
  /** Set on the last step: "User:name". */
  principal?: string;
  /** When the credential itself expires (an OAUTHBEARER token), ms since the epoch. */
  expiresAtMs?: number;
}

/** A SASL exchange in progress; a wrong token throws a KafkaError SASL_AUTHENTICATION_FAILED. */
export interface SaslExchange {
  readonly mechanism: SaslMechanism;
  step(token: Buffer): SaslStep | Promise<SaslStep>;
}

export interface ScramCredentialInfo {
  mechanism: ScramMechanism;
  iterations: number;
}

export interface Authenticator {
  /** The mechanisms clients may choose (sasl.enabled.mechanisms). */
  readonly mechanisms: readonly string[];
  /** A new exchange, or undefined for a mechanism that is not enabled. */
  begin(mechanism: string): SaslExchange | undefined;
  /** Whether a client at this address may try to log in now (failed logins are limited per address). */
  admit(clientHost: string): boolean;
  /** A failed login from this address. */
  failed(clientHost: string): void;
}

export interface ScramCredentialAdmin {
  /** Users with their credentials (all users when `users` is null). */
  describe(users: string[] | null): Array<{ user: string; credentials: ScramCredentialInfo[] }>;
  /** Stores a credential from the client-computed salted password (as Kafka's AlterUserScramCredentials sends it). */
  upsert(user: string, mechanism: ScramMechanism, salt: Buffer, saltedPassword: Buffer, iterations: number): Promise<void>;
  /** RESOURCE_NOT_FOUND when the user has no credential of that mechanism. */
  delete(user: string, mechanism: ScramMechanism): Promise<void>;
}
