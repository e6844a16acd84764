import type { TestContext } from 'node:test';
import type { ProxyName } from '../../src/config/common.js';
import type { Farm } from '../../src/farm.js';
import { PROXIES, verifyThrough, wrongVerdicts } from './conformance.js';
import { tempDir } from './farm.js';
import { requireTool } from './tools.js';

/** Programs each proxy's observation needs. */
export const PROXY_TOOLS: Record<ProxyName, string[]> = { nginx: ['nginx'], haproxy: ['haproxy'], varnish: ['varnishd', 'varnishlog'] };

/**
 * `verify --expect <proxy>` of every listener of `farm` through nginx, HAProxy and Varnish (the generated
 * configurations, as the conformance suite runs them) and, by proxy, one line per listener whose verdict is not the
 * manifest's (`wrongVerdicts`); a proxy whose programs are missing is left out (the test is marked skipped, or fails
 * in CI: `requireTool`).
 */
export async function proxyDifferences(t: TestContext, farm: Farm): Promise<Map<ProxyName, string[]>> {
  process.env.PATH = [process.env.PATH, '/usr/sbin', '/sbin'].filter(Boolean).join(':');
  const result = new Map<ProxyName, string[]>();
  for (const proxy of PROXIES) {
    if (!PROXY_TOOLS[proxy].every((tool) => requireTool(t, tool))) continue;
    const work = tempDir(`badorigin-${proxy}-`);
    try {
      result.set(proxy, wrongVerdicts(farm, proxy, await verifyThrough(proxy, farm, work.dir)));
    } finally {
      work.remove();
    }
  }
  return result;
}
