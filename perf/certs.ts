// Certificates for the TLS tests and perf tools, made with openssl in a directory: a CA, a
// server certificate for 127.0.0.1/localhost, a client certificate (CN=alice, OU=eng,
// O=Acme, C=US) signed by the CA, and one signed by another CA (must be refused).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestCerts {
  caFile: string;
  serverCertFile: string;
  serverKeyFile: string;
  clientCertFile: string;
  clientKeyFile: string;
  rogueCertFile: string;
  rogueKeyFile: string;
  /** Kafka's principal for the client certificate. */
  clientPrincipal: string;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function signed(dir: string, name: string, subject: string, ca: string, ext?: string): void {
  openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject]);
  const args = ['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.crt`, '-days', '2'];
  if (ext !== undefined) {
    writeFileSync(join(dir, `${name}.ext`), ext);
    args.push('-extfile', `${name}.ext`);
  }
  openssl(dir, args);
}

export function makeCerts(dir: string): TestCerts {
  for (const ca of ['ca', 'rogue-ca']) openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${ca}.key`, '-out', `${ca}.crt`, '-days', '2', '-subj', `/CN=Strata test ${ca}`]);
  signed(dir, 'server', '/CN=localhost', 'ca', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  signed(dir, 'client', '/C=US/O=Acme/OU=eng/CN=alice', 'ca', 'extendedKeyUsage=clientAuth\n');
  signed(dir, 'rogue', '/CN=mallory', 'rogue-ca', 'extendedKeyUsage=clientAuth\n');
  const p = (f: string) => join(dir, f);
  return {
    caFile: p('ca.crt'), serverCertFile: p('server.crt'), serverKeyFile: p('server.key'),
    clientCertFile: p('client.crt'), clientKeyFile: p('client.key'), rogueCertFile: p('rogue.crt'), rogueKeyFile: p('rogue.key'),
    clientPrincipal: 'User:CN=alice,OU=eng,O=Acme,C=US',
  };
}
