// What the audit log records; handlers report, the implementation writes (security/audit-log.ts).
export interface AuditEvent {
  event:
    | 'authentication_failed' | 'login_throttled' | 'scram_credential_upserted' | 'scram_credential_deleted'
    | 'acl_denied' | 'acl_created' | 'acl_deleted' | 'client_quota_altered';
  /** Who acted ("User:name", or User:ANONYMOUS before authentication). */
  principal: string;
  clientHost: string;
  listener: string;
  /** What it acted on, e.g. "user:alice", "Topic:orders". */
  resource?: string;
  /** The ACL operation refused or granted, e.g. "Write". */
  operation?: string;
  /** A changed ACL binding or quota, described. */
  detail?: string;
  /** SASL mechanism or SCRAM mechanism. */
  mechanism?: string;
  reason?: string;
}

export interface AuditLog {
  record(event: AuditEvent): void;
}
