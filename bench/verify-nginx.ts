// `badorigin verify --expect nginx` over the whole farm through a real nginx with the generated configuration
// (connect 2 s, read 3 s): the farm in this process (as `verify --start` runs it), nginx in its own, verify with its
// default concurrency. Figure: the wall time of the verify run, from the first probe to the judged report.
import { mkdtempSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFarm } from '../src/farm.js';
import { VERIFY_OPTIONS } from '../src/verify/options.js';
import { verify } from '../src/verify/run.js';
import { SUITE_TIMEOUTS, startProxyUnderTest } from '../test/helpers/conformance.js';
import type { Figure } from './figure.js';

/** Target wall time of a whole-farm run through nginx, in s. */
const TARGET_S = 60;

/** The verify-through-nginx figure. @throws Error when nginx or the farm does not start. */
export async function verifyNginxFigures(): Promise<Figure[]> {
  process.env.PATH = [process.env.PATH, '/usr/sbin', '/sbin'].filter(Boolean).join(':');
  const dir = mkdtempSync(join(tmpdir(), 'badorigin-bench-verify-'));
  chmodSync(dir, 0o755);
  const farm = await startFarm({ basePort: 0, certsDir: join(dir, 'certs'), controlPort: null, logLevel: 'silent' });
  try {
    const nginx = await startProxyUnderTest('nginx', farm.manifest, dir);
    try {
      const started = performance.now();
      const report = await verify({
        via: nginx.via,
        farmObject: farm,
        expect: 'nginx',
        proxyLog: nginx.proxyLog,
        readTimeout: SUITE_TIMEOUTS.readTimeoutS,
      });
      const seconds = (performance.now() - started) / 1000;
      const { listeners, matched, mismatched, unjudged } = report.summary;
      return [
        {
          name: 'verify.nginx.wall',
          what: 'verify --expect nginx, whole farm through nginx',
          unit: 's',
          value: seconds,
          target: `< ${TARGET_S} s`,
          met: seconds < TARGET_S,
          detail: `${listeners} listeners (${matched} matched, ${mismatched} mismatched, ${unjudged} not judged), --concurrency ${VERIFY_OPTIONS.concurrency.default}, --proxy-log the error log; nginx ${SUITE_TIMEOUTS.connectTimeoutS} s connect / ${SUITE_TIMEOUTS.readTimeoutS} s read timeouts; farm in the verify process, nginx in its own`,
        },
      ];
    } finally {
      await nginx.stop();
    }
  } finally {
    await farm.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
