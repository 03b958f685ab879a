// Certificates for the TLS tests (made with openssl): shared with the perf tools.
export { makeCerts, type TestCerts } from '../../perf/certs.js';
