// One start of the whole farm as a library, in a fresh process under plain node (bench/startup.ts transpiles this
// file): the package's dist/index.js imported, then startFarm until every listener is bound.
// Usage: node startup-once.mjs DIST_INDEX CERTS_DIR   → prints {"importMs", "startMs", "cpuMs", "listeners"}
import { pathToFileURL } from 'node:url';

const started = performance.now();
const cpu = process.cpuUsage();
const library: typeof import('../src/index.js') = await import(pathToFileURL(process.argv[2]!).href);
const imported = performance.now();
const farm = await library.startFarm({ basePort: 0, certsDir: process.argv[3] });
const startMs = performance.now() - imported;
const used = process.cpuUsage(cpu);
await farm.close();
const result = {
  importMs: imported - started,
  startMs,
  cpuMs: (used.user + used.system) / 1000,
  listeners: farm.manifest.listeners.length,
};
process.stdout.write(`${JSON.stringify(result)}\n`);
