#!/usr/bin/env node
// `npm install` / `npm ci` set-up: build the napi-rs addon (release) and compile the
// TypeScript. Without a Rust toolchain the addon is skipped with a warning and the
// TypeScript fallback is used at run time; a Rust build that fails is an error.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', shell: false });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

function hasCargo() {
  const r = spawnSync('cargo', ['--version'], { stdio: 'ignore' });
  return !r.error && r.status === 0;
}

if (process.env.STRATA_SKIP_NATIVE_BUILD === '1') {
  console.warn('strata: STRATA_SKIP_NATIVE_BUILD=1, not building the native addon');
} else if (!hasCargo()) {
  console.warn('strata: cargo not found; the native addon is not built and the TypeScript fallback will be used.');
  console.warn('strata: install Rust (https://rustup.rs) and run `npm run build:native` for the fast paths.');
} else {
  const status = run(process.execPath, [join(root, 'node_modules', '@napi-rs', 'cli', 'dist', 'cli.js'),
    'build', '--cwd', 'native', '--release', '--platform', '--no-js', '--package-json-path', '../package.json']);
  if (status !== 0) {
    console.error('strata: the native addon failed to build (see above).');
    process.exit(status);
  }
}

const tsc = run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json']);
if (tsc !== 0) process.exit(tsc);

// The web console (console/, Preact + Vite) into dist/console, which the admin server serves.
const consoleBuild = run('npm', ['run', '--silent', 'build:console']);
if (consoleBuild !== 0) {
  console.error('strata: the web console failed to build (see above).');
  process.exit(consoleBuild);
}
