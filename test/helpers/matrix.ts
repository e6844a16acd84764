import { clientAddress } from '../../src/address.js';
import { curlArgs, digArgs, opensslArgs, usesTls } from '../../src/client-commands.js';
import { nodeObserve } from '../../src/clients/node-client.js';
import { parseOpensslVerify, runClient } from '../../src/clients/run-client.js';
import type { ProxyName } from '../../src/config/common.js';
import type { Manifest, ManifestListener } from '../../src/manifest.js';
import { renderMarkdown } from '../../src/verify/format/markdown.js';
import type { VerifyReport } from '../../src/verify/report-schema.js';
import { VERIFY_OPTIONS } from '../../src/verify/options.js';
import { SUITE_TIMEOUTS } from './conformance.js';
import { mapLimit } from '../../src/map-limit.js';

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
    'gnutls-cli',
    ...(caFile ? [`--x509cafile=${caFile}`] : []),
    sni ? `--sni-hostname=${sni}` : '--disable-sni',
    `--verify-hostname=${certHostname ?? clientAddress(manifest.host)}`,
    '-p',
    String(l.port),
    clientAddress(manifest.host),
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
    return {
      node: nodeCell,
      curl: `not reachable: a DNS listener (dig: ${status})`,
      openssl: 'not reachable: a DNS listener',
      gnutls: 'not reachable: a DNS listener',
    };
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
    : verify
      ? `${verify.verifyCode} \`${verify.verifyError}\``
      : `exit ${openssl.exit}, no verify result`;
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

const PROXY_TITLES: Record<ProxyName, string> = { nginx: 'nginx', haproxy: 'HAProxy', varnish: 'Varnish' };

/** The table listener × (Node, curl, openssl, gnutls-cli) of what the reference clients observed. */
function clientTable(manifest: Manifest, clients: Map<string, ClientCells>): string[] {
  const rows = manifest.listeners.map((l) => {
    const c = clients.get(l.id) ?? { node: 'not run', curl: 'not run', openssl: 'not run', gnutls: 'not run' };
    return `| ${[`\`${l.id}\``, c.node, c.curl, c.openssl, c.gnutls].map(escape).join(' | ')} |`;
  });
  return ['| listener | Node | curl | openssl | gnutls-cli |', '|---|---|---|---|---|', ...rows];
}

/**
 * docs/conformance.md: what the run was, one section per proxy with the Markdown report of `verify --expect
 * <proxy>` through it (src/verify/format/markdown.ts), and the table of what the reference clients observed.
 */
export function renderConformance(
  manifest: Manifest,
  clients: Map<string, ClientCells>,
  reports: Map<ProxyName, VerifyReport>,
  versions: Record<string, string>,
): string {
  const head = [
    '# Conformance',
    '',
    '<!-- Generated by test/conformance.test.ts (npm run conformance); do not edit by hand. -->',
    '',
    'Every listener of the farm through nginx, HAProxy and Varnish, in one run of `npm run conformance` on the',
    'development machine (Debian 12), and what the reference clients observed for it directly. Each proxy runs the',
    "configuration `badorigin config --for <proxy>` generates, with the suite's timeouts",
    `(\`--connect-timeout ${SUITE_TIMEOUTS.connectTimeoutS} --read-timeout ${SUITE_TIMEOUTS.readTimeoutS}\`; nginx \`resolver_timeout\` ${SUITE_TIMEOUTS.connectTimeoutS} s), and each section is the report of`,
    `\`badorigin verify --expect <proxy> --proxy-log <its log> --reset --read-timeout ${SUITE_TIMEOUTS.readTimeoutS}\` through it (answers waited`,
    `for ${VERIFY_OPTIONS.timeout.default} s at most, ${VERIFY_OPTIONS.concurrency.default} listeners at once; through Varnish every listener at once). The suite fails`,
    "when a listener the proxy reaches does not match the manifest's `expect.nginx` / `expect.haproxy` / `expect.varnish`.",
    "The proxy logs compared: nginx's error log (the message",
    "without time, pid, connection number and the `client:`/`upstream:` suffix), HAProxy's log in the generated",
    "log-format `%b %ST %tsc ssl_bc_err=%[ssl_bc_err] %[ssl_bc_err_str]` (without the backend name), Varnish's",
    '`FetchError` records from `varnishlog -g request`. Varnish gets its first requests once every health probe has',
    "run once. Where a proxy's answer depends on timing, the manifest lists every alternative observed, with a note",
    'saying how often each was seen. Proxies word the same fault differently; nothing here is normalised.',
    '',
    `Versions: ${Object.entries(versions)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}.`,
    '',
  ];
  const sections = [...reports.entries()].flatMap(([proxy, report]) => [
    `## ${PROXY_TITLES[proxy]}`,
    '',
    renderMarkdown(report, { level: 3 }),
  ]);
  const clientsSection = [
    '## Reference clients',
    '',
    "Node's error code, curl's exit code, `openssl s_client -verify_return_error` verify code and text, `gnutls-cli`",
    'exit code and status line, all as the reference clients of the manifest (trust, SNI, 5 s limit) run them.',
    '',
    ...clientTable(manifest, clients),
    '',
  ];
  return [...head, ...sections, ...clientsSection].join('\n');
}
