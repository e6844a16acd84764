import { clientAddress } from '../../src/address.js';
import { curlArgs, digArgs, opensslArgs, usesTls } from '../../src/client-commands.js';
import { nodeObserve } from '../../src/clients/node-client.js';
import { parseOpensslVerify, runClient } from '../../src/clients/run-client.js';
import { reach, type ProxyName } from '../../src/config/common.js';
import type { Manifest, ManifestListener } from '../../src/manifest.js';
import { logMatches, statusMatches } from '../../src/catalogue.js';
import { SUITE_BODY_BYTES, SUITE_OVERSIZED_READ_BYTES, SUITE_TIMEOUTS, mapLimit, type ProxyObservation } from './conformance.js';
import { PROXY_REQUEST_LIMIT_MS } from './proxies.js';

const PROXY_REQUEST_LIMIT_S = PROXY_REQUEST_LIMIT_MS / 1000;

/** What the four reference clients observed for one listener, as matrix cells. */
export interface ClientCells {
  node: string;
  curl: string;
  openssl: string;
  gnutls: string;
}

/** argv of `gnutls-cli` for a TLS listener: the listener's CA, its SNI (or none), its certificate hostname. */
export function gnutlsArgs(manifest: Manifest, l: ManifestListener): string[] {
  const { sni, caFile, certHostname } = l.connect;
  return [
    'gnutls-cli', ...(caFile ? [`--x509cafile=${caFile}`] : []),
    sni ? `--sni-hostname=${sni}` : '--disable-sni',
    `--verify-hostname=${certHostname ?? clientAddress(manifest.host)}`,
    '-p', String(l.port), clientAddress(manifest.host),
  ];
}

/** Runs Node, curl, openssl s_client and gnutls-cli (dig for DNS listeners) against a listener; never rejects. */
export async function observeClients(manifest: Manifest, l: ManifestListener): Promise<ClientCells> {
  const failed = (e: Error) => ({ exit: null, stdout: '', stderr: e.message });
  const tls = usesTls(l);
  const dns = l.transport === 'dns';
  // The four clients at once: connect-timeout keeps each of them for its full 5 s.
  const [node, curl, openssl, gnutls, dig] = await Promise.all([
    nodeObserve(manifest, l),
    dns ? null : runClient(curlArgs(manifest, l)).catch(failed),
    tls ? runClient(opensslArgs(manifest, l)).catch(failed) : null,
    tls ? runClient(gnutlsArgs(manifest, l)).catch(failed) : null,
    dns ? runClient(digArgs(manifest, l)).catch(failed) : null,
  ]);
  const nodeCell = node.code === null ? `ok${node.status ? ` ${node.status}` : ''}` : `\`${node.code}\``;
  if (dig) {
    const status = /status: (\w+)/.exec(dig.stdout)?.[1] ?? (dig.exit === 9 ? 'timeout' : `exit ${dig.exit}`);
    return { node: nodeCell, curl: `not reachable: a DNS listener (dig: ${status})`, openssl: 'not reachable: a DNS listener', gnutls: 'not reachable: a DNS listener' };
  }
  const curlCell = curl!.exit === 0 ? `exit 0, ${curl!.stdout.trim()}` : `exit ${curl!.exit}`;
  if (!openssl || !gnutls) {
    const na = 'not reachable: plain TCP, no TLS to verify';
    return { node: nodeCell, curl: curlCell, openssl: na, gnutls: na };
  }
  const verify = parseOpensslVerify(openssl.stdout + openssl.stderr);
  // s_client prints "Verify return code: 0 (ok)" even when the handshake failed before any certificate came.
  const noCertificate = /no peer certificate available/.test(openssl.stdout + openssl.stderr);
  const opensslCell = noCertificate
    ? `exit ${openssl.exit}: no peer certificate (handshake failed)`
    : verify ? `${verify.verifyCode} \`${verify.verifyError}\`` : `exit ${openssl.exit}, no verify result`;
  const out = gnutls.stdout + gnutls.stderr;
  const status = /- Status: (.*?)\s*$/m.exec(out)?.[1] ?? /\*\*\* (Fatal error: .*?)\s*$/m.exec(out)?.[1] ?? '';
  const gnutlsCell = `exit ${gnutls.exit}${status ? `: \`${status}\`` : ''}`;
  return { node: nodeCell, curl: curlCell, openssl: opensslCell, gnutls: gnutlsCell };
}

/** Observes every listener with the four clients, a few at a time. */
export async function observeAllClients(manifest: Manifest, concurrency = 6): Promise<Map<string, ClientCells>> {
  const cells = await mapLimit(manifest.listeners, concurrency, (l) => observeClients(manifest, l));
  return new Map(manifest.listeners.map((l, i) => [l.id, cells[i]!]));
}

const escape = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

function proxyCell(proxy: ProxyName, l: ManifestListener, manifest: Manifest, observed: Map<string, ProxyObservation> | undefined): string {
  const r = reach(proxy, l, manifest);
  if (!r.reachable) return `not reachable: ${r.why}`;
  const seen = observed?.get(l.id);
  if (!seen) return observed ? 'no expectation yet' : 'not run';
  const expected = l.expect[proxy];
  const mark = !expected ? ' (no expectation yet)' : !statusMatches(expected.status, seen.status) || !logMatches(expected.log, seen.log) ? ' **≠ manifest**' : '';
  const answer = seen.status === null ? `no response${seen.clientError ? ` (${seen.clientError})` : ''}` : `${seen.status}${seen.clientError ? ` (body ${seen.clientError})` : ''}`;
  return `${answer}${seen.log ? ` \`${seen.log}\`` : ', no log line'}${mark}`;
}

/**
 * docs/conformance.md: a table listener × (Node, curl, openssl, gnutls-cli, nginx, HAProxy, Varnish) of what each
 * observed in this run, with the reason wherever a client cannot reach a listener.
 */
export function renderMatrix(manifest: Manifest, clients: Map<string, ClientCells>, proxies: Map<ProxyName, Map<string, ProxyObservation>>, versions: Record<string, string>): string {
  const head = [
    '# Conformance matrix',
    '',
    '<!-- Generated by test/conformance.test.ts (npm run conformance); do not edit by hand. -->',
    '',
    'What each client and proxy observed for every listener of the farm, in one run of `npm run conformance` on the',
    'development machine (Debian 12). The proxies run the configuration `badorigin config --for <proxy>` generates,',
    `with the suite's timeouts stated in it (connect ${SUITE_TIMEOUTS.connectTimeoutS} s, read ${SUITE_TIMEOUTS.readTimeoutS} s, nginx \`resolver_timeout\` ${SUITE_TIMEOUTS.connectTimeoutS} s),`,
    'and the suite fails when a proxy cell differs from the manifest\'s `expect.nginx` / `expect.haproxy` / `expect.varnish`.',
    'Proxy cells: the status the proxy answered with, then the stable part of its error-log line (nginx: the message',
    'without time, pid, connection number and the `client:`/`upstream:` suffix; HAProxy: the generated log-format',
    '`%b %ST %tsc ssl_bc_err=%[ssl_bc_err] %[ssl_bc_err_str]` without the backend name; Varnish: its `FetchError` records).',
    `Through each proxy the suite sends \`GET /<listener id>/\` and reads the whole response (${PROXY_REQUEST_LIMIT_S} s at most), except where a`,
    `scenario needs more (the request its fault module declares): request-body-* POST ${SUITE_BODY_BYTES / 2 ** 20} MiB, origin-status asks`,
    `\`status/503\`, oversized-body reads ${SUITE_OVERSIZED_READ_BYTES / 2 ** 20} MiB and slow-drip the chunks of one read timeout and a second more, then end the`,
    'connection. Before each proxy starts, the farm\'s listeners are reset (stale-then-fail, health-flapping start over);',
    'Varnish gets its first requests once every health probe has run once. Where a proxy\'s answer depends on timing, the',
    'manifest lists every alternative observed, with a note saying how often each was seen.',
    'Proxies word the same fault differently; nothing here is normalised. Client cells: Node\'s error code, curl\'s',
    'exit code, `openssl s_client -verify_return_error` verify code and text, `gnutls-cli` exit code and status line,',
    'all as the reference clients of the manifest (trust, SNI, 5 s limit) run them.',
    '',
    `Versions: ${Object.entries(versions).map(([k, v]) => `${k} ${v}`).join(', ')}.`,
    '',
    '| listener | Node | curl | openssl | gnutls-cli | nginx | HAProxy | Varnish |',
    '|---|---|---|---|---|---|---|---|',
  ];
  const rows = manifest.listeners.map((l) => {
    const c = clients.get(l.id) ?? { node: 'not run', curl: 'not run', openssl: 'not run', gnutls: 'not run' };
    const cells = [`\`${l.id}\``, c.node, c.curl, c.openssl, c.gnutls, ...(['nginx', 'haproxy', 'varnish'] as const).map((p) => proxyCell(p, l, manifest, proxies.get(p)))];
    return `| ${cells.map(escape).join(' | ')} |`;
  });
  return [...head, ...rows, ''].join('\n');
}
