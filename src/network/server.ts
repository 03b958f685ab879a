// A Kafka listener: accepts connections (plain TCP, or TLS for SSL listeners) and hands
// each to a Connection. A TLS client's principal is its certificate's subject (mTLS).
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer, type TLSSocket, type TlsOptions } from 'node:tls';
import { Connection, type ConnectionDeps, type ConnectionStats } from './connection.js';
import { RateLimitedLog } from './rate-limited-log.js';
import { acceptableClient, tlsPrincipal } from './tls.js';

/** Failed TLS handshakes (plaintext on a TLS port, a certificate that does not verify) are logged at most a few per second. */
const handshakeLog = new RateLimitedLog('TLS handshake failed', 5, 1000);

export interface ListenerStats extends ConnectionStats {
  tlsHandshakeFailures: number;
}

export class KafkaServer {
  private readonly server: Server | TlsServer;
  private readonly connections = new Set<Connection>();
  readonly stats: ListenerStats = { requests: 0, malformed: 0, tlsHandshakeFailures: 0 };

  /** `tls`: the listener speaks TLS with these options (an SSL listener). */
  constructor(deps: ConnectionDeps, tls?: TlsOptions) {
    const accept = (socket: Socket, principal?: string): void => {
      const c: Connection = new Connection(socket, deps, this.stats, () => this.connections.delete(c), principal);
      this.connections.add(c);
    };
    if (tls === undefined) {
      this.server = createServer((socket: Socket) => accept(socket));
      return;
    }
    const server = createTlsServer(tls, (socket: TLSSocket) => {
      if (!acceptableClient(socket)) {
        this.handshakeFailed(deps, socket.remoteAddress, new Error(`client certificate did not verify: ${String(socket.authorizationError)}`));
        socket.destroy();
        return;
      }
      accept(socket, tlsPrincipal(socket));
    });
    server.on('tlsClientError', (err, socket) => {
      this.handshakeFailed(deps, socket.remoteAddress, err);
      socket.destroy();
    });
    this.server = server;
  }

  private handshakeFailed(deps: ConnectionDeps, client: string | undefined, err: unknown): void {
    this.stats.tlsHandshakeFailures++;
    deps.metrics.connectionRefused('tls_handshake');
    handshakeLog.log(deps.logger, { err: String(err), client, listener: deps.listener });
  }

  /** New TLS options (reloaded certificates) for connections accepted from now on. */
  setSecureContext(options: TlsOptions): void {
    if ('setSecureContext' in this.server) this.server.setSecureContext(options);
  }

  /** Response bytes buffered across all connections (bounded by backpressure). */
  get bufferedOutputBytes(): number {
    let n = 0;
    for (const c of this.connections) n += c.bufferedOutput;
    return n;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  listen(host: string, port: number): Promise<{ host: string; port: number }> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        const addr = this.server.address();
        if (addr === null || typeof addr === 'string') return reject(new Error('listener has no TCP address'));
        resolve({ host: addr.address, port: addr.port });
      });
    });
  }

  /** Stops accepting, lets in-flight requests finish (up to timeoutMs), closes connections. */
  async close(timeoutMs = 5000): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    await Promise.all([...this.connections].map((c) => c.drain(timeoutMs)));
    await closed;
  }
}
