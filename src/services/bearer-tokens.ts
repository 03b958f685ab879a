// Which configured token a request presented (the admin API, the schema registry), compared
// in constant time: `Authorization: Bearer <token>`, or Basic with the token as the password
// (Confluent's schema registry clients send basic.auth.user.info that way).
import { createHash, timingSafeEqual } from 'node:crypto';

export function presentedToken<T extends { token: string }>(header: string | undefined, tokens: readonly T[], allowBasic = false): T | undefined {
  let secret: string | undefined = /^Bearer (.+)$/.exec(header ?? '')?.[1];
  if (secret === undefined && allowBasic) {
    const basic = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header ?? '')?.[1];
    if (basic !== undefined) {
      const decoded = Buffer.from(basic, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon >= 0) secret = decoded.slice(colon + 1);
    }
  }
  if (secret === undefined) return undefined;
  const a = createHash('sha256').update(secret).digest();
  let found: T | undefined;
  for (const t of tokens) {
    // Every token is compared, so the time taken does not say which one matched.
    if (timingSafeEqual(a, createHash('sha256').update(t.token).digest())) found = t;
  }
  return found;
}
