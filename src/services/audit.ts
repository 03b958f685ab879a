// What the audit log records; handlers report, the implementation writes (security/audit-log.ts).
export interface AuditEvent {
  event: 'authentication_failed' | 'login_throttled' | 'scram_credential_upserted' | 'scram_credential_deleted';
  /** Who acted ("User:name", or User:ANONYMOUS before authentication). */
  principal: string;
  clientHost: string;
  listener: string;
  /** What it acted on, e.g. "user:alice". */
  resource?: string;
  /** SASL mechanism or SCRAM mechanism. */
  mechanism?: string;
  reason?: string;
}

export interface AuditLog {
  record(event: AuditEvent): void;
}
