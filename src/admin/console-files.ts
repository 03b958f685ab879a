// The web console's built files (Vite's output, dist/console) served by the admin server:
// `/` and any path that is not a file get index.html (the console routes in the browser);
// hashed assets are cached for good. Only files under the directory are ever read.
import { readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';
import type { ServerResponse } from 'node:http';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.json': 'application/json', '.map': 'application/json',
};

export function serveConsoleFile(dir: string, pathname: string, res: ServerResponse): void {
  const relative = normalize(decodeURIComponent(pathname)).replace(/^([/\\])+/, '');
  const candidate = join(dir, relative);
  const inside = candidate === dir || candidate.startsWith(dir.endsWith(sep) ? dir : dir + sep);
  let file = join(dir, 'index.html');
  if (inside && relative !== '' && statSync(candidate, { throwIfNoEntry: false })?.isFile() === true) file = candidate;
  let body: Buffer;
  try {
    body = readFileSync(file);
  } catch {
    const text = '<!doctype html><title>Strata console</title><p>The console is not built here. Run <code>npm run build:console</code> (npm install does it).</p>';
    res.writeHead(503, { 'content-type': 'text/html; charset=utf-8' });
    res.end(text);
    return;
  }
  const hashed = file.includes(`${sep}assets${sep}`);
  res.writeHead(200, {
    'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
    'content-length': body.length,
    'cache-control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
    'x-content-type-options': 'nosniff',
  });
  res.end(body);
}
