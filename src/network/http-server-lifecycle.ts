// Starting and stopping the broker's HTTP servers (the admin API, the schema registry) the
// same way: listen resolves with the bound address (port 0 picks one) or rejects with the
// bind error; close ends every open connection instead of waiting for idle keep-alives.
// And their JSON request bodies: read up to a bound, parsed, errors made by the caller.
import type { IncomingMessage, Server } from 'node:http';

export function listenHttp(server: Server, host: string, port: number): Promise<{ host: string; port: number }> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const a = server.address() as { address: string; port: number };
      resolve({ host: a.address, port: a.port });
    });
  });
}

export function closeHttp(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** The body parsed as JSON ({} when empty); past `maxBytes` the request is dropped with tooLarge(). */
export function readJsonBody(req: IncomingMessage, maxBytes: number, errors: { tooLarge: () => Error; invalid: (message: string) => Error }): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > maxBytes) {
        reject(errors.tooLarge());
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (size === 0) return resolve({});
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch (err) {
        reject(errors.invalid((err as Error).message));
      }
    });
    req.on('error', reject);
  });
}
