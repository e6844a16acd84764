// Runs listeners through one proxy many times (verify --expect <proxy>) and counts what it did, to find the timing-dependent lines a
// scenario's expect.<proxy> must list (with a note saying how often each was seen). Not a test: a tool.
//   node --import tsx test/conformance-repeat.ts <nginx|haproxy|varnish> <runs> <listener id>[,<listener id>…]
// Listeners the proxy cannot reach are left out. Prints one line per listener and distinct observation: `<count>/<runs> <id> <status> <log> [<client error>]`.
import { loadCatalogue } from '../src/catalogue.js';
import { startFarm } from '../src/farm.js';
import { reach, type ProxyName } from '../src/config/common.js';
import { verifyThrough } from './helpers/conformance.js';
import { certsDir, tempDir } from './helpers/farm.js';

process.env.PATH = [process.env.PATH, '/usr/sbin', '/sbin'].filter(Boolean).join(':');

const [proxy, runsText, idsText] = process.argv.slice(2);
if (!['nginx', 'haproxy', 'varnish'].includes(proxy ?? '') || !runsText || !idsText) {
  console.error('usage: conformance-repeat.ts <nginx|haproxy|varnish> <runs> <listener id>[,<listener id>…]');
  process.exit(2);
}
const ids = idsText.split(',');
const runs = Number(runsText);
const certs = certsDir();
const scenarioIds = new Set(loadCatalogue().map((e) => e.scenario.id));
const only = [...new Set(ids.map((id) => (scenarioIds.has(id) ? id : id.replace(/-tls$/, ''))))];
const farm = await startFarm({ basePort: 0, certsDir: certs.dir, controlPort: null, only }).catch((error: Error) => {
  certs.remove();
  throw error;
});
const counts = new Map<string, number>();
try {
  const listeners = farm.manifest.listeners.filter((l) => ids.includes(l.id) && reach(proxy as ProxyName, l, farm.manifest).reachable);
  for (let run = 0; run < runs; run++) {
    const work = tempDir(`badorigin-${proxy}-`);
    try {
      const report = await verifyThrough(proxy as ProxyName, farm, work.dir, {
        only: listeners.map((l) => l.id),
        beforeStart: () => listeners.forEach((l) => farm.reset(l.id)),
      });
      for (const l of report.listeners) {
        const { status, error } = l.asks[0]!.client;
        const log = l.logLines.length ? l.logLines.join('; ') : null;
        const key = `${l.id} ${status} ${JSON.stringify(log)}${error ? ` [${error}]` : ''}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    } finally {
      work.remove();
    }
  }
} finally {
  await farm.close();
  certs.remove();
}
for (const [key, n] of [...counts].sort()) console.log(`${n}/${runs} ${key}`);
