import { spawnSync } from 'node:child_process';
import type { TestContext } from 'node:test';

/**
 * Makes sure a real client binary is on PATH. In CI (CI=true) a missing client fails the test, as the project's
 * rules require; elsewhere the test is skipped with a note saying what to install.
 * @returns true when the tool is there.
 */
export function requireTool(t: TestContext, tool: string): boolean {
  const found = spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
  if (found) return true;
  if (process.env.CI === 'true') throw new Error(`${tool} is not installed, and CI must run every real-client test (.ci/run installs it)`);
  t.skip(`${tool} is not installed (apt-get install it to run this test)`);
  return false;
}

/** Whether program `tool` is on PATH (for skipping a whole suite; inside a test use `requireTool`). */
export function hasTool(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
}
