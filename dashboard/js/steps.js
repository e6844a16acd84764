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

/** What the farm did (a `fault` action): an alert gets its name, RST and FIN are said as such. */
function faultStep(at, detail) {
  const alert = /\balert (\d+)/.exec(detail);
  if (alert) return step(at, 'farm', `alert ${alert[1]} ${alertName(Number(alert[1]))}`, [detail]);
  if (/\bRST\b|\breset\b/i.test(detail)) return step(at, 'farm', 'RST', [detail]);
  if (/\bFIN\b/.test(detail)) return step(at, 'farm', 'FIN', [detail]);
  return step(at, 'farm', detail || 'fault');
}

/** A `tls-error` action: the client's alert or reset during the handshake, or another TLS failure. */
function tlsErrorStep(at, error) {
  const named = alertInCode(error);
  if (named) return step(at, 'client', `alert ${named}`, ['the client refused the handshake', error]);
  const legacy = /client alert (\w+) (\d+)/.exec(error);
  if (legacy) return step(at, 'client', `alert ${legacy[2]} ${alertName(Number(legacy[2]))}`, [`${legacy[1]} alert from the client`]);
  if (error === 'ECONNRESET') return step(at, 'client', 'RST', ['the client reset the TLS connection (ECONNRESET)']);
  return step(at, 'both', `TLS error: ${error}`);
}

function actionStep(action) {
  if (action.kind === 'tls-error') return tlsErrorStep(action.at, action.detail);
  if (action.kind === 'handler-error') return step(action.at, 'both', `handler error: ${action.detail}`);
  return faultStep(action.at, action.detail);
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
  steps.push(...attempt.requests.map(requestStep), ...attempt.actions.map(actionStep));
  if (attempt.closedAt !== undefined) steps.push(closeStep(attempt));
  // Stable: at equal times the order above (accept, hello, requests, actions, close) stands.
  return steps.sort((a, b) => a.at - b.at);
}
