// The admin API's bearer tokens (--admin-token-file). One token per line; a line may name
// the principal the token acts as ("User:ops 9f2c…"), which is what lets mutating routes
// check for a super user when authorisation is on. Blank lines and # comments are ignored.
// Read on each request, so a rotated file takes effect at once; checked at start-up, so a
// missing, empty or short-token file stops the broker before anything opens.
import { readFileSync } from 'node:fs';
import { StrataError } from '../errors.js';

export interface AdminToken {
  token: string;
  /** "User:name", or null for a token that names no principal. */
  principal: string | null;
}

const MIN_TOKEN_LENGTH = 16;

export function parseAdminTokens(text: string, file: string): AdminToken[] {
  const out: AdminToken[] = [];
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const parts = line.split(/\s+/);
    if (parts.length > 2 || (parts.length === 2 && !/^[^:]+:.+$/.test(parts[0]!))) {
      throw new StrataError('STRATA_CONFIG_INVALID', `adminTokenFile ${file} line ${i + 1}: expected TOKEN or PRINCIPAL TOKEN (e.g. User:ops <token>)`);
    }
    const token = parts[parts.length - 1]!;
    if (token.length < MIN_TOKEN_LENGTH) throw new StrataError('STRATA_CONFIG_INVALID', `adminTokenFile ${file} line ${i + 1}: a token needs at least ${MIN_TOKEN_LENGTH} characters`);
    out.push({ token, principal: parts.length === 2 ? parts[0]! : null });
  }
  if (out.length === 0) throw new StrataError('STRATA_CONFIG_INVALID', `adminTokenFile ${file} holds no token`);
  return out;
}

/** The tokens, re-read on each call; undefined when there is no token file. */
export function adminTokens(file: string): (() => readonly AdminToken[]) | undefined {
  if (file === '') return undefined;
  const read = (): AdminToken[] => parseAdminTokens(readFileSync(file, 'utf8'), file);
  let last: AdminToken[];
  try {
    last = read();
  } catch (err) {
    if (err instanceof StrataError) throw err;
    throw new StrataError('STRATA_CONFIG_INVALID', `cannot read adminTokenFile ${file}: ${(err as Error).message}`);
  }
  return () => {
    try {
      last = read();
    } catch {
      // A file being replaced (or briefly invalid): keep the last tokens rather than open the API.
    }
    return last;
  };
}
