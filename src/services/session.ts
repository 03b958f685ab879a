// Who is on the other end of a connection. The request pipeline fills it in; handlers and
// the authorise and quota stages read it. Until the security issue lands every client is
// User:ANONYMOUS on the PLAINTEXT listener.
export const ANONYMOUS = 'User:ANONYMOUS';

export interface Session {
  /** The listener the connection arrived on (PLAINTEXT until TLS and SASL listeners exist). */
  readonly listener: string;
  readonly clientHost: string;
  /** From the latest request header (clients may change it, Kafka allows that). */
  clientId: string | null;
  /** Kafka's "User:name" form. */
  principal: string;
  /** False until the authenticate stage accepts the connection (a SASL handshake later). */
  authenticated: boolean;
}

export function anonymousSession(listener: string, clientHost: string): Session {
  return { listener, clientHost, clientId: null, principal: ANONYMOUS, authenticated: true };
}
