// From a connection's events (the control API's connection book) to the steps of its sequence diagram.
import { alertInCode, alertName } from './tls-names.js';

/**
 * One step: `from` 'client' | 'farm' | 'both' (a note across), a `label`, `lines` of detail, and `at` (ms since the
 * epoch). Every string here may come from the network: it is only ever shown as text.
 */
function step(at, from, label, lines = []) {
  return { at, from, label, lines };
}

function helloLines(hello) {
  const versions = hello.supportedVersions.length > 0 ? hello.supportedVersions.join(', ') : hello.version;
  return [`SNI: ${hello.sni ?? '(none)'}`, `versions: ${versions}`, `ALPN: ${hello.alpn.length > 0 ? hello.alpn.join(', ') : '(none)'}`, `JA3: ${hello.ja3Hash}`];
}

/** What the farm did (`fault` detail): an alert gets its name, RST and FIN are said as such. */
function faultStep(event) {
  const detail = event.detail ?? '';
  const alert = /\balert (\d+)/.exec(detail);
  if (alert) return step(event.time, 'farm', `alert ${alert[1]} ${alertName(Number(alert[1]))}`, [detail]);
  if (/\bRST\b|\breset\b/i.test(detail)) return step(event.time, 'farm', 'RST', [detail]);
  if (/\bFIN\b/.test(detail)) return step(event.time, 'farm', 'FIN', [detail]);
  return step(event.time, 'farm', detail || 'fault');
}

function tlsErrorStep(event) {
  const error = event.error ?? '';
  const named = alertInCode(error);
  if (named) return step(event.time, 'client', `alert ${named}`, ['the client refused the handshake', error]);
  const legacy = /client alert (\w+) (\d+)/.exec(error);
  if (legacy) return step(event.time, 'client', `alert ${legacy[2]} ${alertName(Number(legacy[2]))}`, [`${legacy[1]} alert from the client`]);
  if (error === 'ECONNRESET') return step(event.time, 'client', 'RST', ['the client reset the TLS connection (ECONNRESET)']);
  return step(event.time, 'both', `TLS error: ${error}`);
}

function closeStep(event) {
  const bytes = `${event.durationMs} ms open · ${event.bytesIn} bytes in · ${event.bytesOut} bytes out`;
  if (event.by === 'client') return step(event.time, 'client', 'FIN: the client closed first', [bytes]);
  if (event.by === 'farm') return step(event.time, 'farm', 'FIN: the farm closed first', [bytes]);
  return step(event.time, 'both', 'closed by a reset or an error', [bytes]);
}

/** The steps of `connection` (a booked connection), in time order. */
export function stepsOf(connection) {
  return connection.events.map((event) => {
    switch (event.type) {
      case 'connection': return step(event.time, 'client', 'TCP connect, accepted', [`from ${event.peer ?? '?'}`]);
      case 'client-hello': return step(event.time, 'client', 'ClientHello', event.clientHello ? helloLines(event.clientHello) : []);
      case 'request': return step(event.time, 'client', event.detail ?? 'request');
      case 'fault': return faultStep(event);
      case 'tls-error': return tlsErrorStep(event);
      case 'close': return closeStep(event);
      case 'handler-error': return step(event.time, 'both', `handler error: ${event.error ?? ''}`);
      default: return step(event.time, 'both', String(event.type));
    }
  });
}
