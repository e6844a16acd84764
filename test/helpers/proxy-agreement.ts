import type { TestContext } from 'node:test';
import type { ProxyName } from '../../src/config/common.js';
import type { Farm } from '../../src/farm.js';
import { PROXIES, compare, observeProxy, type Difference } from './conformance.js';
import { tempDir } from './farm.js';
import { requireTool } from './tools.js';

/** Programs each proxy's observation needs. */
export const PROXY_TOOLS: Record<ProxyName, string[]> = { nginx: ['nginx'], haproxy: ['haproxy'], varnish: ['varnishd', 'varnishlog'] };

/**
 * Runs the conformance suite's request for every listener of `farm` through nginx, HAProxy and Varnish (the
 * generated configurations) and returns every difference from the listeners' `expect.<proxy>`, by proxy; a proxy
 * whose programs are missing is left out (the test is marked skipped, or fails in CI: `requireTool`).
 */
export async function proxyDifferences(t: TestContext, farm: Farm): Promise<Map<ProxyName, Difference[]>> {
  process.env.PATH = [process.env.PATH, '/usr/sbin', '/sbin'].filter(Boolean).join(':');
  const result = new Map<ProxyName, Difference[]>();
  for (const proxy of PROXIES) {
    if (!PROXY_TOOLS[proxy].every((tool) => requireTool(t, tool))) continue;
    const work = tempDir(`badorigin-${proxy}-`);
    try {
      result.set(proxy, compare(farm.manifest, proxy, await observeProxy(proxy, farm.manifest, farm.manifest.listeners, work.dir)));
    } finally {
      work.remove();
    }
  }
  return result;
}
