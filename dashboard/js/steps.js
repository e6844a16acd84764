// From an attempt of the farm's attempt ledger (GET /listeners/:id/attempts) to the steps of its sequence diagram.
import { alertInCode, alertName } from './tls-names.js';

/** Header fields listed under a request; the rest are counted. */
const SHOWN_FIELDS = 6;

/**
 * One step: `from` 'client' | 'farm' | 'both' (a note across), a `label`, `lines` of detail, and `at` (ms since the
 * epoch). Every string here may come from the network: it is only ever shown as text.
 */
function step(at, from, label, lines = []) {
  return { at, from, label, lines };
}

function helloLines(hello) {
  const versions = hello.supportedVersions.length > 0 ? hello.supportedVersions.join(', ') : hello.version;
  return [
    `SNI: ${hello.sni ?? '(none)'}`,
    `versions: ${versions}`,
    `ALPN: ${hello.alpn.length > 0 ? hello.alpn.join(', ') : '(none)'}`,
    `JA3: ${hello.ja3Hash}`,
  ];
}

/**
 * The lines of one certificate of the chain (leaf first): subject and issuer CN, validity with `expired` or `not yet
 * valid` as of `at` (when the farm sent it), and its SANs when it has any.
 */
function certificateLines(certificate, i, at) {
  const from = Date.parse(certificate.notBefore);
  const to = Date.parse(certificate.notAfter);
  const state = to < at ? ' (expired)' : from > at ? ' (not yet valid)' : '';
  const lines = [
    `${i === 0 ? 'leaf' : `#${i}`}: CN=${certificate.subject || '(none)'}, issued by CN=${certificate.issuer || '(none)'}`,
    `valid ${certificate.notBefore.slice(0, 10)} → ${certificate.notAfter.slice(0, 10)}${state}`,
  ];
  const more = certificate.sanOmitted ? ` +${certificate.sanOmitted} more` : '';
  if (certificate.san.length > 0) lines.push(`SAN: ${certificate.san.join(', ')}${more}`);
  return lines;
}

/** What the farm's TLS server sent first: ServerHello (version, cipher, ALPN), then its certificate chain. */
function serverHelloSteps(hello) {
  const chosen = [hello.cipher, hello.alpn ? `ALPN ${hello.alpn}` : null].filter(Boolean);
  const { certificates, omitted } = hello.chain;
  const lines = certificates.flatMap((certificate, i) => certificateLines(certificate, i, hello.at));
  if (omitted) lines.push(`… ${omitted} more certificates`);
  return [
    step(hello.at, 'farm', `ServerHello ${hello.version}`, chosen),
    step(hello.at, 'farm', `Certificate: chain of ${certificates.length + (omitted ?? 0)}`, lines),
  ];
}

/** A response head the farm wrote: its status line as the label, the first header fields and its size below. */
function responseStep(response) {
  const fields = response.headers.slice(0, SHOWN_FIELDS).map(([name, value]) => `${name}: ${value}`);
  const more = response.headers.length - SHOWN_FIELDS + (response.headersOmitted ?? 0);
  if (more > 0) fields.push(`… ${more} more header fields`);
  fields.push(`${response.headBytes} bytes of head${response.clipped ? ' (cut short)' : ''}`);
  return step(response.at, 'farm', response.statusLine || '(empty status line)', fields);
}

/** What the farm did (a `fault` action): an alert it sent gets its number and name, RST and FIN are said as such. */
function faultStep(at, detail, sent) {
  if (sent !== undefined) return step(at, 'farm', `alert ${sent} ${alertName(sent)} (sent by the farm)`, [detail]);
  const alert = /\balert (\d+)/.exec(detail);
  if (alert) return step(at, 'farm', `alert ${alert[1]} ${alertName(Number(alert[1]))}`, [detail]);
  if (/\bRST\b|\breset\b/i.test(detail)) return step(at, 'farm', 'RST', [detail]);
  if (/\bFIN\b/.test(detail)) return step(at, 'farm', 'FIN', [detail]);
  return step(at, 'farm', detail || 'fault');
}

/** A `tls-error` action: the client's alert or reset during the handshake, or another TLS failure. */
function tlsErrorStep(at, error) {
  const named = alertInCode(error);
  if (named) return step(at, 'client', `alert ${named} (sent by the client)`, ['the client refused the handshake', error]);
  const legacy = /client alert (\w+) (\d+)/.exec(error);
  if (legacy) return step(at, 'client', `alert ${legacy[2]} ${alertName(Number(legacy[2]))}`, [`${legacy[1]} alert from the client`]);
  if (error === 'ECONNRESET') return step(at, 'client', 'RST', ['the client reset the TLS connection (ECONNRESET)']);
  return step(at, 'both', `TLS error: ${error}`);
}

function actionStep(action) {
  if (action.kind === 'tls-error') return tlsErrorStep(action.at, action.detail);
  if (action.kind === 'handler-error') return step(action.at, 'both', `handler error: ${action.detail}`);
  return faultStep(action.at, action.detail, action.alert);
}

function requestStep(request) {
  const fields = request.headers.slice(0, SHOWN_FIELDS).map(([name, value]) => `${name}: ${value}`);
  if (request.headers.length > SHOWN_FIELDS) fields.push(`… ${request.headers.length - SHOWN_FIELDS} more header fields`);
  return step(request.at, 'client', `${request.method} ${request.target}`, request.probe ? [...fields, `probe: ${request.probe}`] : fields);
}

function closeStep(attempt) {
  const bytes = `${attempt.closedAt - attempt.startedAt} ms open · ${attempt.bytesIn ?? '?'} bytes in · ${attempt.bytesOut ?? '?'} bytes out`;
  if (attempt.closedBy === 'client') return step(attempt.closedAt, 'client', 'FIN: the client closed first', [bytes]);
  if (attempt.closedBy === 'farm') return step(attempt.closedAt, 'farm', 'FIN: the farm closed first', [bytes]);
  return step(attempt.closedAt, 'both', 'closed by a reset or an error', [bytes]);
}

/** The steps of `attempt` (one connection, or one DNS query), in time order. */
export function stepsOf(attempt) {
  if (attempt.dns) {
    const { at, name, type, transport, answer } = attempt.dns;
    return [
      step(at, 'client', `DNS query ${name} ${type} over ${transport.toUpperCase()}`, [`from ${attempt.peer}`]),
      step(at, 'farm', `answer: ${answer}`),
    ];
  }
  const steps = [step(attempt.startedAt, 'client', 'TCP connect, accepted', [`from ${attempt.peer}`])];
  if (attempt.clientHello)
    steps.push(step(attempt.clientHelloAt ?? attempt.startedAt, 'client', 'ClientHello', helloLines(attempt.clientHello)));
  if (attempt.serverHello) steps.push(...serverHelloSteps(attempt.serverHello));
  steps.push(...attempt.requests.map(requestStep), ...(attempt.responses ?? []).map(responseStep), ...attempt.actions.map(actionStep));
  if (attempt.closedAt !== undefined) steps.push(closeStep(attempt));
  // Stable: at equal times the order above (accept, hellos, requests, responses, actions, close) stands.
  return steps.sort((a, b) => a.at - b.at);
}
