// The watchdog's own process: pings every target every interval and sends each result to the parent over IPC.
// Its own process, so that the attacking process's busy event loop never adds to the latencies it measures.
import { ping, type PingTarget } from './ping.js';

const { targets, intervalMs, timeoutMs } = JSON.parse(process.argv[2]!) as { targets: PingTarget[]; intervalMs: number; timeoutMs: number };
const timer = setInterval(() => {
  for (const target of targets) void ping(target, timeoutMs).then((result) => process.send?.(result));
}, intervalMs);
process.on('message', () => clearInterval(timer));
process.on('disconnect', () => clearInterval(timer));
process.send?.('ready');
