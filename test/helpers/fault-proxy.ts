// A fault-injecting HTTP proxy of our own between the broker's S3 client and the
// S3-compatible server: passes requests through, or answers 503 SlowDown, resets
// connections, holds requests without answering (timeouts), delays answers, or goes
// down entirely for a while. Tests switch faults on and off while traffic flows.
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export type Fault =
  | { kind: 'none' }
  | { kind: 'slowdown'; count: number }
  | { kind: 'reset'; count: number }
  | { kind: 'hang'; count: number }
  | { kind: 'slow'; delayMs: number }
  | { kind: 'outage' };

const SLOW_DOWN = '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message><RequestId>fault-proxy</RequestId></Error>';

export class FaultProxy {
  private server: Server;
  fault: Fault = { kind: 'none' };
  readonly counts = { passed: 0, slowdown: 0, reset: 0, hang: 0, outage: 0 };
  port = 0;

  constructor(private readonly targetPort: number) {
    this.server = createServer((req, res) => this.handle(req, res));
  }

  async start(): Promise<number> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    this.port = (this.server.address() as { port: number }).port;
    return this.port;
  }

  private take(): Fault['kind'] {
    const f = this.fault;
    if (f.kind === 'slowdown' || f.kind === 'reset' || f.kind === 'hang') {
      if (f.count <= 0) return 'none';
      f.count--;
    }
    return f.kind;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const kind = this.take();
    if (kind === 'slowdown') {
      this.counts.slowdown++;
      req.resume();
      res.writeHead(503, { 'content-type': 'application/xml' });
      res.end(SLOW_DOWN);
      return;
    }
    if (kind === 'reset' || kind === 'outage') {
      this.counts[kind]++;
      req.socket.destroy();
      return;
    }
    if (kind === 'hang') {
      this.counts.hang++;
      req.resume(); // never answer; the client's timeout must fire
      return;
    }
    const delay = this.fault.kind === 'slow' ? this.fault.delayMs : 0;
    const upstream = request({ host: '127.0.0.1', port: this.targetPort, method: req.method, path: req.url, headers: req.headers }, (up) => {
      setTimeout(() => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      }, delay);
    });
    upstream.on('error', () => res.destroy());
    this.counts.passed++;
    req.pipe(upstream);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}
