// The client side of SCRAM (RFC 5802): Strata's own client (tests, perf) authenticates with it.
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';

export class ScramClient {
  private readonly nonce = randomBytes(18).toString('base64');
  private clientFirstBare = '';
  private serverSignature = Buffer.alloc(0);
  private readonly algo: 'sha256' | 'sha512';

  constructor(mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512', private readonly user: string, private readonly password: string) {
    this.algo = mechanism === 'SCRAM-SHA-256' ? 'sha256' : 'sha512';
  }

  first(): Buffer {
    this.clientFirstBare = `n=${this.user.replace(/=/g, '=3D').replace(/,/g, '=2C')},r=${this.nonce}`;
    return Buffer.from(`n,,${this.clientFirstBare}`);
  }

  final(serverFirst: Buffer, options: { tamperNonce?: boolean } = {}): Buffer {
    const text = serverFirst.toString();
    const a = Object.fromEntries(text.split(',').map((p) => [p[0], p.slice(2)])) as Record<string, string>;
    const salted = pbkdf2Sync(this.password, Buffer.from(a.s!, 'base64'), Number(a.i), this.algo === 'sha256' ? 32 : 64, this.algo);
    const clientKey = createHmac(this.algo, salted).update('Client Key').digest();
    const storedKey = createHash(this.algo).update(clientKey).digest();
    const withoutProof = `c=${Buffer.from('n,,').toString('base64')},r=${options.tamperNonce === true ? `${a.r}x` : a.r}`;
    const authMessage = `${this.clientFirstBare},${text},${withoutProof}`;
    const signature = createHmac(this.algo, storedKey).update(authMessage).digest();
    const proof = Buffer.alloc(clientKey.length);
    for (let i = 0; i < proof.length; i++) proof[i] = clientKey[i]! ^ signature[i]!;
    this.serverSignature = createHmac(this.algo, createHmac(this.algo, salted).update('Server Key').digest()).update(authMessage).digest();
    return Buffer.from(`${withoutProof},p=${proof.toString('base64')}`);
  }

  /** Whether the server's final message proves it knows the credential. */
  verifies(serverFinal: Buffer): boolean {
    return serverFinal.toString() === `v=${this.serverSignature.toString('base64')}`;
  }
}
