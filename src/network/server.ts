// The Kafka listener: accepts connections and hands each to a Connection.
import { createServer, type Server, type Socket } from 'node:net';
import { Connection, type ConnectionDeps, type ConnectionStats } from './connection.js';

export class KafkaServer {
  private readonly server: Server;
  private readonly connections = new Set<Connection>();
  readonly stats: ConnectionStats = { requests: 0, malformed: 0 };

  constructor(deps: ConnectionDeps) {
    this.server = createServer((socket: Socket) => {
      const c: Connection = new Connection(socket, deps, this.stats, () => this.connections.delete(c));
      this.connections.add(c);
    });
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
