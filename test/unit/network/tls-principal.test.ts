// Kafka's default TLS principal: the subject as RFC 2253, most specific attribute first.
import { describe, expect, it } from 'vitest';
import { principalFromSubject } from '../../../src/network/tls.js';

describe('TLS principal', () => {
  it('reverses the certificate order and escapes as RFC 2253 does', () => {
    expect(principalFromSubject('C=US\nO=Acme\nOU=eng\nCN=alice')).toBe('User:CN=alice,OU=eng,O=Acme,C=US');
    expect(principalFromSubject('O=Acme, Inc.\nCN=bob+ops')).toBe('User:CN=bob\\+ops,O=Acme\\, Inc.');
    expect(principalFromSubject('CN= lead#')).toBe('User:CN=\\ lead#');
  });
});
