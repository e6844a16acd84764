import { spawn } from 'node:child_process';
import { clientAddress, hostPort } from '../address.js';
import { curlArgs, digArgs, opensslArgs, shellQuote, usesTls } from '../client-commands.js';
import { nodeObserve } from '../clients/node-client.js';
import { parseOpensslVerify, runClient } from '../clients/run-client.js';
import type { Manifest, ManifestListener } from '../manifest.js';
import { matchesNodeExpectation } from '../probe.js';

/** The reference clients the control API can run against a listener. */
export const TRY_CLIENTS = ['node', 'curl', 'openssl', 'dig'] as const;
export type TryClient = (typeof TRY_CLIENTS)[number];

/** Most characters of a client's output returned (its last ones: where curl and openssl print the error). */
const OUTPUT_TAIL_CHARS = 4000;

/**
 * What one run of a reference client saw. `observed` is the client's own verdict: for node the observation
 * (`code`, `status`, `message`), for the programs their exit code and, for openssl, the verify result;
 * `expected` is the manifest's `expect.<client>` (absent where it says nothing) and `matches` whether they agree.
 */
export interface TryResult {
  client: TryClient;
  /** The command line that was run (shell-quoted), or `node: GET /` for the built-in client. */
  command: string;
  observed: Record<string, unknown>;
  expected?: unknown;
  matches?: boolean;
  /** The end of what the program printed on stderr and stdout (empty for node). */
  output: string;
  /** Wall time of the run, ms. */
  durationMs: number;
}

/** True for the clients that make sense for `listener`: openssl only over TLS, dig only for DNS, curl never for DNS. */
export function clientFits(client: TryClient, listener: Pick<ManifestListener, 'transport'>): boolean {
  if (client === 'dig') return listener.transport === 'dns';
  if (client === 'openssl') return usesTls(listener);
  if (client === 'curl') return listener.transport !== 'dns';
  return true;
}

const installed = new Map<string, Promise<boolean>>();

/** Whether program `name` can be started here (`name --version` runs); asked once per process. */
export function isInstalled(name: string): Promise<boolean> {
  let known = installed.get(name);
  if (!known) {
    known = new Promise((resolve) => {
      const child = spawn(name, [name === 'openssl' ? 'version' : '-v'], { stdio: 'ignore' });
      child.on('error', () => resolve(false));
      child.on('close', () => resolve(true));
    });
    installed.set(name, known);
  }
  return known;
}

/** The reference clients that apply to `listener` and whether each can run here (`reason` says why not). */
export async function triableClients(
  listener: Pick<ManifestListener, 'transport'>,
): Promise<{ client: TryClient; available: boolean; reason?: string }[]> {
  const fitting = TRY_CLIENTS.filter((client) => clientFits(client, listener));
  return Promise.all(
    fitting.map(async (client) =>
      client === 'node' || (await isInstalled(client))
        ? { client, available: true }
        : { client, available: false, reason: "not installed on the farm's machine" },
    ),
  );
}

function tail(text: string): string {
  return text.length <= OUTPUT_TAIL_CHARS ? text : `…${text.slice(-OUTPUT_TAIL_CHARS)}`;
}

/** A program's verdict: the fields it observed, and whether they are what the manifest expects (undefined: nothing to judge). */
type Judge = (exit: number | null, output: string) => { observed: Record<string, unknown>; matches?: boolean };

/** Runs program `argv` and describes its result with `judge`. */
async function runProgram(client: TryClient, argv: string[], expected: unknown, judge: Judge): Promise<Omit<TryResult, 'durationMs'>> {
  const { exit, stdout, stderr } = await runClient(argv);
  const output = `${stderr}${stdout}`;
  const { observed, matches } = judge(exit, output);
  const result: Omit<TryResult, 'durationMs'> = { client, command: shellQuote(argv), observed, output: tail(output.trim()) };
  if (expected !== undefined) result.expected = expected;
  if (matches !== undefined) result.matches = matches;
  return result;
}

function judgeCurl(expected: ManifestListener['expect']['curl']): Judge {
  return (exit) => ({
    observed: { exit },
    matches: expected && (Array.isArray(expected.exit) ? expected.exit.includes(exit ?? -1) : expected.exit === exit),
  });
}

function judgeOpenssl(expected: ManifestListener['expect']['openssl']): Judge {
  return (exit, output) => {
    const verify = parseOpensslVerify(output);
    const alert = /SSL alert number (\d+)/.exec(output);
    // A client killed still waiting (a stalled handshake) has no exit code: `stalls` is what it observed.
    const observed = {
      exit,
      ...verify,
      ...(alert ? { alert: Number(alert[1]) } : {}),
      ...(exit === null ? { stalls: true as const } : {}),
    };
    const checks = (['verifyCode', 'exit', 'alert', 'stalls'] as const).filter((key) => expected?.[key] !== undefined);
    return { observed, matches: checks.length === 0 ? undefined : checks.every((key) => expected?.[key] === observed[key]) };
  };
}

function judgeDig(expected: ManifestListener['expect']['dig']): Judge {
  return (exit, output) => {
    const status = /status: (\w+)/.exec(output)?.[1] ?? (/timed out/.test(output) ? 'timeout' : null);
    return { observed: { exit, status }, matches: expected && expected.status === status };
  };
}

/**
 * True when `client` can be told to connect from a given source port: every one but node's resolver (node:dns
 * cannot choose one) — node's `localPort`, curl's `--local-port`, openssl's `-bind`, dig's `-b address#port`.
 */
export function pinsSourcePort(client: TryClient, listener: Pick<ManifestListener, 'transport'>): boolean {
  return client !== 'node' || listener.transport !== 'dns';
}

/**
 * `argv` with the options that make its program connect from source port `localPort` (on the address it connects
 * to, so the families agree), or `argv` itself without one.
 */
function fromPort(manifest: Manifest, argv: string[], localPort: number | undefined): string[] {
  if (localPort === undefined) return argv;
  const [program = '', ...rest] = argv;
  const address = clientAddress(manifest.host);
  if (program === 'curl') return [program, '--local-port', String(localPort), ...rest];
  if (program === 'openssl') return [program, rest[0] ?? 's_client', '-bind', hostPort(address, localPort), ...rest.slice(1)];
  return [program, '-b', `${address}#${localPort}`, ...rest];
}

/**
 * Runs reference client `client` once against `listener`, as `badorigin probe` (node) and the manifest's `commands`
 * (curl, openssl, dig) do: the clients' own 5 s timeout, a program killed after 8 s. With `localPort`, a client that
 * `pinsSourcePort` connects from that source port.
 * @throws Error (rejects) when the program cannot be started (not installed).
 */
export async function tryClient(manifest: Manifest, listener: ManifestListener, client: TryClient, localPort?: number): Promise<TryResult> {
  const started = Date.now();
  let result: Omit<TryResult, 'durationMs'>;
  if (client === 'node') {
    const observed = await nodeObserve(manifest, listener, localPort);
    const expected = listener.expect.node;
    result = {
      client,
      command: listener.transport === 'dns' ? 'node: dns resolve4' : 'node: GET /',
      observed: { ...observed },
      expected,
      matches: matchesNodeExpectation(expected, observed),
      output: '',
    };
  } else if (client === 'curl') {
    result = await runProgram(
      client,
      fromPort(manifest, curlArgs(manifest, listener), localPort),
      listener.expect.curl,
      judgeCurl(listener.expect.curl),
    );
  } else if (client === 'openssl') {
    result = await runProgram(
      client,
      fromPort(manifest, opensslArgs(manifest, listener), localPort),
      listener.expect.openssl,
      judgeOpenssl(listener.expect.openssl),
    );
  } else {
    result = await runProgram(
      client,
      fromPort(manifest, digArgs(manifest, listener), localPort),
      listener.expect.dig,
      judgeDig(listener.expect.dig),
    );
  }
  return { ...result, durationMs: Date.now() - started };
}
