// External tools some suites drive (kcat, prlimit, java, promtool, …). Locally a suite
// whose tool is missing does not run; under CI (CI set) it always runs, so a missing tool
// fails it instead of passing by skipping: .ci/run installs every one of them.
import { spawnSync } from 'node:child_process';

export const toolsRequired = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';

/** Whether `command args` runs and exits 0. */
export function hasTool(command: string, args: string[]): boolean {
  return spawnSync(command, args).status === 0;
}

/** Run a suite that needs this tool here: it is installed, or CI requires it. */
export function runWith(available: boolean): boolean {
  return available || toolsRequired;
}
