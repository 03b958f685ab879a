// A TCP proxy on loopback that holds every chunk for `delayMs` in each direction (order
// kept), so a connection through it sees 2 × delayMs more round-trip time. Used for
// PostgreSQL latency where `tc netem` is not available (the kernels of these machines ship
// without sch_netem: "Specified qdisc kind is unknown").
import { createServer, connect, type Server, type Socket } from 'node:net';

export class DelayProxy {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  /** Added to each direction; change it while connections are open. */
  delayMs = 0;
  port = 0;

  constructor(private readonly targetPort: number, private readonly targetHost = '127.0.0.1') {
    this.server = createServer((client) => {
      const upstream = connect(this.targetPort, this.targetHost);
      this.track(client);
      this.track(upstream);
      this.pipe(client, upstream);
      this.pipe(upstream, client);
    });
  }

  private track(s: Socket): void {
    this.sockets.add(s);
    s.on('close', () => this.sockets.delete(s));
    s.on('error', () => s.destroy());
  }

  /** Forwards `from` to `to`, each chunk (and the end) `delayMs` after it arrived, in order. */
  private pipe(from: Socket, to: Socket): void {
    let last = Promise.resolve();
    // Held from the moment of arrival, so time in flight overlaps as on a real link.
    const schedule = (fn: () => void): void => {
      const at = Date.now() + this.delayMs;
      last = last.then(() => new Promise<void>((r) => setTimeout(r, Math.max(0, at - Date.now())))).then(fn);
    };
    from.on('data', (chunk: Buffer) => schedule(() => {
      if (!to.destroyed) to.write(chunk);
    }));
    from.on('end', () => schedule(() => to.end()));
    from.on('close', () => schedule(() => to.destroy()));
  }

  async start(): Promise<number> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    this.port = (this.server.address() as { port: number }).port;
    return this.port;
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((r) => this.server.close(() => r()));
  }
}
