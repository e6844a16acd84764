// One start-up measurement in a fresh process: time from calling startFarm to every listener bound, in ms.
// Usage: tsx bench/startup-once.ts CERTS_DIR   → prints {"ms": …, "listeners": …}
import { startFarm } from '../src/farm.js';

const started = performance.now();
const farm = await startFarm({ basePort: 0, certsDir: process.argv[2] });
const ms = performance.now() - started;
await farm.close();
process.stdout.write(`${JSON.stringify({ ms, listeners: farm.manifest.listeners.length })}\n`);
