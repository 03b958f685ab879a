// Who is on the other end of a connection. The request pipeline fills it in; handlers and
// the authorise and quota stages read it. PLAINTEXT and SSL sessions start authenticated
// (User:ANONYMOUS, or an SSL client certificate's subject); SASL sessions start
// unauthenticated and the SaslHandshake/SaslAuthenticate handlers authenticate them.
import type { SaslExchange } from './auth.js';

export const ANONYMOUS = 'User:ANONYMOUS';

export interface Session {
  /** The listener the connection arrived on; its name is its security protocol. */
  readonly listener: string;
  readonly clientHost: string;
  /** From the latest request header (clients may change it, Kafka allows that). */
  clientId: string | null;
  /** Kafka's "User:name" form. */
  principal: string;
  /** False until the connection authenticates (SASL listeners only). */
  authenticated: boolean;
  /** The SASL exchange SaslHandshake started, while it runs. */
  sasl: SaslExchange | undefined;
  /** Set when the answer being written must be the last (a failed authentication, as Kafka does). */
  closeAfterResponse: boolean;
  /** The SASL mechanism the session authenticated with (re-authentication must use it again). */
  mechanism?: string;
  /**
   * KIP-368: when the SASL session ends (Date.now() ms; connections.max.reauth.ms after the
   * last authentication). After it, only a re-authentication may pass; anything else closes.
   */
  expiresAtMs?: number;
}

/** Whether a listener authenticates with SASL (its sessions start unauthenticated). */
export function isSaslListener(listener: string): boolean {
  return listener === 'SASL_PLAINTEXT' || listener === 'SASL_SSL';
}

export function anonymousSession(listener: string, clientHost: string): Session {
  return { listener, clientHost, clientId: null, principal: ANONYMOUS, authenticated: !isSaslListener(listener), sasl: undefined, closeAfterResponse: false };
}
