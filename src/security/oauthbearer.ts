// SASL OAUTHBEARER (RFC 7628, KIP-255/KIP-768): the client sends a JWT it got from an
// identity provider; the broker checks its signature against the provider's JWKS, its
// expiry, and (when configured) its issuer and audience, and the principal is a claim
// (`sub` by default), as Kafka's OAuthBearerValidatorCallbackHandler does. The JWT work is
// `jose` (signature algorithms, JWKS fetching with caching and key rotation); the SASL
// framing is ours (one message: "n,,\x01auth=Bearer <jwt>\x01\x01").
import { readFileSync } from 'node:fs';
import { createLocalJWKSet, createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { KafkaError } from '../errors.js';
import type { SaslExchange, SaslStep } from '../services/auth.js';

export interface OAuthBearerOptions {
  /** sasl.oauthbearer.jwks.endpoint.url: https://…, http://…, or file:// (a JWKS document). */
  jwksUrl: string;
  /** sasl.oauthbearer.expected.audience ('' = not checked). */
  audience: string;
  /** sasl.oauthbearer.expected.issuer ('' = not checked). */
  issuer: string;
  /** sasl.oauthbearer.sub.claim.name */
  subClaim: string;
}

/** A validated token: who it names, and when it stops being valid (ms since the epoch). */
export interface ValidatedToken {
  principal: string;
  expiresAtMs: number;
}

export type TokenValidator = (jwt: string) => Promise<ValidatedToken>;

const CLOCK_SKEW_S = 30;

export function tokenValidator(o: OAuthBearerOptions): TokenValidator {
  let keys: JWTVerifyGetKey;
  if (o.jwksUrl.startsWith('file://')) {
    const path = new URL(o.jwksUrl).pathname;
    keys = createLocalJWKSet(JSON.parse(readFileSync(path, 'utf8')) as Parameters<typeof createLocalJWKSet>[0]);
  } else {
    // Fetched on first use, cached, and fetched again when a token names a key it has not seen (rotation).
    keys = createRemoteJWKSet(new URL(o.jwksUrl), { timeoutDuration: 5_000, cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000 });
  }
  return async (jwt) => {
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(jwt, keys, {
        clockTolerance: CLOCK_SKEW_S, requiredClaims: ['exp', o.subClaim],
        ...(o.audience === '' ? {} : { audience: o.audience }), ...(o.issuer === '' ? {} : { issuer: o.issuer }),
      }));
    } catch (err) {
      throw new KafkaError('SASL_AUTHENTICATION_FAILED', `Authentication failed: invalid token: ${(err as Error).message}`);
    }
    const subject = payload[o.subClaim];
    if (typeof subject !== 'string' || subject === '') throw new KafkaError('SASL_AUTHENTICATION_FAILED', `Authentication failed: the token's ${o.subClaim} claim is not a name`);
    return { principal: `User:${subject}`, expiresAtMs: (payload.exp as number) * 1000 };
  };
}

export class OAuthBearerServerExchange implements SaslExchange {
  readonly mechanism = 'OAUTHBEARER' as const;
  private done = false;

  constructor(private readonly validate: TokenValidator) {}

  async step(token: Buffer): Promise<SaslStep> {
    if (this.done) throw new KafkaError('ILLEGAL_SASL_STATE', 'the OAUTHBEARER exchange is complete');
    this.done = true;
    const parts = token.toString('utf8').split('\u0001');
    // gs2-header, then key=value pairs separated by \x01, ending in \x01\x01.
    if (parts.length < 3 || !/^[ny],(a=[^,]*)?,$/.test(parts[0]!)) {
      throw new KafkaError('SASL_AUTHENTICATION_FAILED', 'Authentication failed: not an OAUTHBEARER client message (RFC 7628)');
    }
    const auth = parts.slice(1).find((p) => p.startsWith('auth='));
    const m = auth === undefined ? null : /^auth=Bearer +(\S+)$/i.exec(auth);
    if (m === null) throw new KafkaError('SASL_AUTHENTICATION_FAILED', 'Authentication failed: no "auth=Bearer <token>" in the OAUTHBEARER message');
    const valid = await this.validate(m[1]!);
    return { challenge: Buffer.alloc(0), principal: valid.principal, expiresAtMs: valid.expiresAtMs };
  }
}
