// SASL PLAIN (RFC 4616): one message, "authzid NUL authcid NUL password", checked against
// the user's stored SCRAM credential (the password itself is never stored).
import { KafkaError } from '../errors.js';
import type { SaslExchange, SaslStep, ScramMechanism } from '../services/auth.js';
import { passwordMatches, type ScramCredential } from './scram.js';

export class PlainServerExchange implements SaslExchange {
  readonly mechanism = 'PLAIN' as const;
  private done = false;

  constructor(private readonly lookup: (user: string) => { mechanism: ScramMechanism; credential: ScramCredential } | undefined) {}

  async step(token: Buffer): Promise<SaslStep> {
    if (this.done) throw new KafkaError('ILLEGAL_SASL_STATE', 'the PLAIN exchange is complete');
    this.done = true;
    const parts = token.toString('utf8').split('\u0000');
    if (parts.length !== 3) throw new KafkaError('SASL_AUTHENTICATION_FAILED', 'Authentication failed: a PLAIN message is authzid NUL user NUL password');
    const [authzid, user, password] = parts as [string, string, string];
    if (user === '' || password === '') throw new KafkaError('SASL_AUTHENTICATION_FAILED', 'Authentication failed: user and password must not be empty');
    if (authzid !== '' && authzid !== user) throw new KafkaError('SASL_AUTHENTICATION_FAILED', 'Authentication failed: authorization id differs from the user');
    const stored = this.lookup(user);
    if (stored === undefined || !(await passwordMatches(stored.mechanism, stored.credential, password))) {
      throw new KafkaError('SASL_AUTHENTICATION_FAILED', 'Authentication failed: Invalid username or password');
    }
    return { challenge: Buffer.alloc(0), principal: `User:${user}` };
  }
}
