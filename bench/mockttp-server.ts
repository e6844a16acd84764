// mockttp as a peer for the farm's held-connection faults, in its own process as plain JavaScript: for each delay
// given, a rule `GET /?delay_ms=<delay>` that waits that long (`.delay(ms)`) and then answers 200; `GET /hold` never
// answers (`.thenTimeout()`). Usage: node mockttp-server.mjs MOCKTTP-ENTRY DELAYS PORT-FILE, where MOCKTTP-ENTRY is
// the resolved path of the mockttp package (this file runs from a temporary directory, outside node_modules' reach)
// and DELAYS a comma-separated list in ms → writes its port to PORT-FILE when listening.
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [entry, delays, portFile] = process.argv.slice(2) as [string, string, string];
const mockttp = (await import(pathToFileURL(entry).href)) as typeof import('mockttp');
const server = mockttp.getLocal();
await server.start();
for (const delay of delays.split(',').map(Number))
  await server
    .forGet('/')
    .withQuery({ delay_ms: String(delay) })
    .delay(delay)
    .thenReply(200, 'mockttp: first byte after the delay\n');
await server.forGet('/hold').thenTimeout();
writeFileSync(portFile, String(server.port));
