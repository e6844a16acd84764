// Failed handshakes per second on the certificate and protocol faults a CDN meets once per request, against nginx
// (one worker) serving the same chain with the same protocol settings, as badssl.com does. Rounds alternate farm and
// nginx with the same load generator (bench/handshake-load.ts, its own process); each figure is the median of the
// rounds' ratios, and the servers' CPU time per handshake (from /proc/<pid>/stat), which holds up when other work
// shares the cores where a rate does not.
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Value } from 'typebox/value';
import { loadCatalogue } from '../src/catalogue.js';
import { Pki } from '../src/pki/index.js';
import { VALID_LEAF } from '../src/pki/leaf-spec.js';
import { TlsParams } from '../src/listeners/tls.js';
import { plainScript } from './compile.js';
import { median, type Figure } from './figure.js';
import type { HandshakeLoadOptions, HandshakeLoadResult } from './handshake-load.js';
import { startNginxTls, type NginxTlsServer } from './nginx-tls.js';
import { processCpuMs } from './proc-cpu.js';
import { freePort, startFarmProcess, startPlainTls } from './processes.js';

const LISTENERS = ['cert-expired', 'cert-wrong-host', 'cert-self-signed', 'tls10-only'];
const ROUNDS = 5;
const SECONDS = 3;
const CONCURRENCY = 8;
/** TLS versions in order, for nginx's ssl_protocols of a min–max range (Node's server default: TLSv1.2–TLSv1.3). */
const VERSIONS = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const;
/** bench/handshake-load.ts as plain JavaScript (bench/compile.ts): a fork under tsx takes seconds on a loaded machine. */
let load: string | undefined;

/** Forks bench/handshake-load.ts with `options` and resolves with its result. */
function runLoad(options: HandshakeLoadOptions): Promise<HandshakeLoadResult> {
  load ??= plainScript('./handshake-load.ts');
  const child = fork(load, [JSON.stringify(options)], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const timeoutMs = options.seconds * 1000 + 30_000;
  return new Promise<HandshakeLoadResult>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`handshake load gave no result after ${timeoutMs} ms`)), timeoutMs);
    child.on('message', (message: { type: string; result?: HandshakeLoadResult; error?: string }) => {
      if (message.type === 'done') clearTimeout(timer), resolve(message.result!);
      if (message.type === 'error') clearTimeout(timer), reject(new Error(`handshake load: ${message.error}`));
    });
    child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`handshake load exited (${code}) without a result`))));
  }).finally(() => child.kill('SIGKILL'));
}

/** One listener's setup: its TLS params, the client settings that reach its failure, nginx's equivalent. */
interface Subject {
  id: string;
  farmPort: number;
  nginx: NginxTlsServer;
  /** Arguments of bench/plain-tls.ts after the key and chain: min and max version, ciphers (`-` for the default). */
  plain: [string, string, string];
  client: HandshakeLoadOptions['tls'];
}

/** One measured run: the generator's result and the server's CPU time meanwhile (ms). */
interface Run {
  load: HandshakeLoadResult;
  cpuMs: number;
}

async function measure(pid: number, port: number, client: Subject['client'], seconds = SECONDS): Promise<Run> {
  const before = processCpuMs(pid);
  const result = await runLoad({ port, seconds, concurrency: CONCURRENCY, tls: client });
  const cpuMs = processCpuMs(pid) - before;
  if (result.handshakes === 0) throw new Error(`no handshake completed on port ${port}: ${result.failures.join('; ')}`);
  return { load: result, cpuMs };
}

/** The four listeners' params from the catalogue, their chains written to `dir` for nginx, and nginx's settings. */
async function subjects(dir: string, certsDir: string, ports: Map<string, number>): Promise<Subject[]> {
  const scenarios = new Map(loadCatalogue().map((entry) => [entry.scenario.id, entry.scenario]));
  const params = LISTENERS.map((id) => {
    const value = scenarios.get(id)?.params;
    if (!Value.Check(TlsParams, value)) throw new Error(`scenario ${id} is not a tls scenario`);
    return value;
  });
  const specs = params.map((p) => (p.certificate === 'valid' ? VALID_LEAF : p.certificate));
  const pki = await Pki.open({ certsDir, hostnames: ['localhost'], ips: ['127.0.0.1', '::1'] }, specs);
  return Promise.all(
    LISTENERS.map(async (id, i) => {
      const p = params[i]!;
      const chain = pki.chain(specs[i]!);
      const keyFile = join(dir, `${id}.key`);
      const chainFile = join(dir, `${id}.pem`);
      writeFileSync(keyFile, chain.privateKeyPem, { mode: 0o600 });
      writeFileSync(chainFile, chain.chainPem);
      const [minVersion, maxVersion] = [p.minVersion ?? 'TLSv1.2', p.maxVersion ?? 'TLSv1.3'];
      const protocols = VERSIONS.slice(VERSIONS.indexOf(minVersion), VERSIONS.indexOf(maxVersion) + 1);
      const farmPort = ports.get(id);
      if (farmPort === undefined) throw new Error(`the farm has no ${id} listener`);
      return {
        id,
        farmPort,
        nginx: { port: await freePort(), keyFile, chainFile, protocols: protocols.join(' '), ...(p.ciphers ? { ciphers: p.ciphers } : {}) },
        plain: [minVersion, maxVersion, p.ciphers ?? '-'],
        client: {
          servername: 'localhost',
          minVersion: p.minVersion,
          maxVersion: p.maxVersion,
          ...(p.ciphers ? { ciphers: p.ciphers } : {}),
        },
      };
    }),
  );
}

const perHandshakeUs = (runs: Run[]) =>
  (runs.reduce((sum, run) => sum + run.cpuMs, 0) * 1000) / runs.reduce((sum, run) => sum + run.load.handshakes, 0);
const rate = (run: Run) => (run.load.handshakes * 1000) / run.load.wallMs;

/** Each server's runs of one listener, round by round. */
interface Runs {
  farm: Run[];
  nginx: Run[];
  node: Run[];
}

/** The rate and CPU figures of one listener from its alternating rounds. */
function figuresOf(subject: Subject, runs: Runs): Figure[] {
  const ratios = runs.farm.map((run, i) => rate(run) / rate(runs.nginx[i]!));
  const ratio = median(ratios);
  const [farmCpu, nginxCpu, nodeCpu] = [perHandshakeUs(runs.farm), perHandshakeUs(runs.nginx), perHandshakeUs(runs.node)];
  const first = runs.farm[0]!.load;
  const failures = [...runs.farm, ...runs.nginx, ...runs.node].reduce((sum, run) => sum + run.load.failed, 0);
  const setup =
    `${ROUNDS} rounds of ${SECONDS} s alternating farm, nginx (one worker, same chain, ssl_protocols ${subject.nginx.protocols}` +
    `${subject.nginx.ciphers ? `, ssl_ciphers ${subject.nginx.ciphers}` : ''}) and a bare node:tls server; load generator: node:tls in its own process, ${CONCURRENCY} handshakes in flight, ` +
    `rejectUnauthorized false, closed at secureConnect (${first.negotiated}); ${failures} failed connections; farm/nginx per round ${ratios.map((r) => r.toFixed(2)).join(', ')}; ` +
    `generator CPU ${((first.generatorCpuMs * 1000) / first.handshakes).toFixed(0)} µs per handshake`;
  const cpuDetail = `user + system time of the server process over all ${ROUNDS} rounds (/proc/<pid>/stat), divided by the handshakes the generator completed`;
  return [
    {
      name: `${subject.id}.handshakes`,
      what: `${subject.id} failed handshakes/s (client gets the certificate, then closes)`,
      unit: 'handshakes/s',
      value: median(runs.farm.map(rate)),
      peer: { name: 'nginx', value: median(runs.nginx.map(rate)), ratio },
      target: '>= 0.9 x nginx',
      met: ratio >= 0.9,
      detail: `${setup}; value and peer are the medians of the rounds' rates, the ratio the median of the rounds' ratios`,
    },
    {
      name: `${subject.id}.handshakes.cpu-per-handshake`,
      what: `${subject.id} server CPU time per failed handshake`,
      unit: 'µs',
      value: farmCpu,
      peer: { name: 'nginx', value: nginxCpu, ratio: farmCpu / nginxCpu },
      target: 'informative',
      met: true,
      detail: cpuDetail,
    },
    {
      name: `${subject.id}.handshakes.cpu-per-handshake.vs-node`,
      what: `${subject.id} server CPU time per failed handshake, against a bare node:tls server`,
      unit: 'µs',
      value: farmCpu,
      peer: { name: 'node:tls', value: nodeCpu, ratio: farmCpu / nodeCpu },
      target: 'informative',
      met: true,
      detail: `${cpuDetail}; node:tls is the same key, chain and protocol settings with nothing else (bench/plain-tls.ts), the floor a Node process starts from`,
    },
  ];
}

/** ROUNDS alternating rounds of one listener on the farm, nginx and the bare node:tls server, after a warm-up. */
async function measureSubject(subject: Subject, farmPid: number, nginxPid: number, dir: string): Promise<Runs> {
  const plain = await startPlainTls(join(dir, `${subject.id}.key`), join(dir, `${subject.id}.pem`), ...subject.plain);
  try {
    const servers: [keyof Runs, number, number][] = [
      ['farm', farmPid, subject.farmPort],
      ['nginx', nginxPid, subject.nginx.port],
      ['node', plain.child.pid!, plain.port],
    ];
    const leaves = new Set<string>();
    for (const [, pid, port] of servers) leaves.add((await measure(pid, port, subject.client, 1)).load.leafFingerprint256);
    if (leaves.size !== 1) throw new Error(`${subject.id}: the farm, nginx and node:tls serve different leaves`);
    const runs: Runs = { farm: [], nginx: [], node: [] };
    for (let round = 0; round < ROUNDS; round++)
      for (const [name, pid, port] of servers) runs[name].push(await measure(pid, port, subject.client));
    return runs;
  } finally {
    plain.stop();
  }
}

/**
 * The handshakes group: the packaged farm with only the four listeners, one nginx serving their chains and a bare
 * node:tls server per listener, each listener measured in ROUNDS alternating rounds after a 1 s warm-up of each.
 * @throws Error (rejects) when nginx or the farm does not start, or the servers serve different leaves.
 */
export async function handshakeFigures(): Promise<Figure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'badorigin-bench-handshakes-'));
  const certsDir = join(dir, 'certs');
  const farm = await startFarmProcess(LISTENERS, certsDir);
  try {
    const ports = new Map(farm.manifest.listeners.map((l) => [l.id, l.port]));
    const list = await subjects(dir, certsDir, ports);
    const nginx = await startNginxTls(list.map((s) => s.nginx));
    try {
      const figures: Figure[] = [];
      for (const subject of list)
        figures.push(...figuresOf(subject, await measureSubject(subject, farm.child.pid!, nginx.child.pid!, dir)));
      return figures;
    } finally {
      nginx.stop();
    }
  } finally {
    farm.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
