// Statement timing for strata_cluster_postgres_statement_seconds.
import type pg from 'pg';

/** Runs a statement, reporting its duration in seconds to `on`. */
export async function timed<R extends pg.QueryResultRow>(on: ((seconds: number) => void) | undefined, run: () => Promise<pg.QueryResult<R>>): Promise<pg.QueryResult<R>> {
  const started = performance.now();
  try {
    return await run();
  } finally {
    on?.((performance.now() - started) / 1000);
  }
}
