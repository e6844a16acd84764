// badorigin dashboard: renders the manifest grouped by family and follows /events (server-sent events) to update
// each listener's counters, last event and last ClientHello without a reload. No framework, no build step.
'use strict';

const token = new URLSearchParams(location.search).get('token');
const withToken = (path) => (token ? `${path}${path.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}` : path);
const FAMILIES = ['certificate', 'protocol', 'connection', 'dns', 'http'];
// Longest line shown of a string a client sent (SNI, ALPN, paths, errors): a 16 KB SNI would otherwise make its row
// thousands of pixels tall. The element's title keeps the full value.
const SHOWN_CHARS = 300;
const rows = new Map();

function cdn(expectation) {
  if (!expectation) return '–';
  const text = expectation.response ? ` "${expectation.response}"` : expectation.xCache ? ` (${expectation.xCache})` : '';
  return `${expectation.status ?? '?'}${text}`;
}

function describeEvent(event) {
  if (!event) return '—';
  const time = new Date(event.time).toLocaleTimeString();
  const detail = event.error ?? event.detail ?? (event.by ? `by ${event.by}, ${event.durationMs} ms, in ${event.bytesIn} B, out ${event.bytesOut} B` : event.peer ?? '');
  return `${time} ${event.type}${detail ? `: ${detail}` : ''}`;
}

function describeHello(hello) {
  if (!hello) return null;
  const suites = hello.cipherSuites.map((s) => `0x${s.toString(16).padStart(4, '0')}`).join(' ');
  return [`SNI: ${hello.sni ?? '(none)'}`, `version: ${hello.version}`, `supported_versions: ${hello.supportedVersions.join(', ') || '(none)'}`,
    `ALPN: ${hello.alpn.join(', ') || '(none)'}`, `cipher suites: ${suites}`, `JA3: ${hello.ja3Hash}`, hello.ja3].join('\n');
}

/** Sets `element`'s text (never markup) to `text`, each line clipped to SHOWN_CHARS, with the full text as title. */
function showClipped(element, text) {
  const lines = text.split('\n');
  const clipped = lines.map((line) => (line.length > SHOWN_CHARS ? `${line.slice(0, SHOWN_CHARS)}… (${line.length} characters, hover for all)` : line));
  element.textContent = clipped.join('\n');
  if (clipped.some((line, i) => line !== lines[i])) element.title = text;
  else element.removeAttribute('title');
}

function cell(row, className, text) {
  const td = row.insertCell();
  td.className = className;
  if (text !== undefined) td.textContent = text;
  return td;
}

function commandBlock(td, label, command) {
  if (!command) return;
  let details = td.querySelector('details');
  if (!details) {
    details = document.createElement('details');
    details.innerHTML = '<summary>commands</summary>';
    td.append(details);
  }
  const pre = document.createElement('div');
  pre.className = 'cmd';
  pre.textContent = command;
  const button = document.createElement('button');
  button.className = 'copy';
  button.textContent = `copy ${label}`;
  button.addEventListener('click', () => navigator.clipboard?.writeText(command));
  details.append(pre, button);
}

function render(manifest, stats) {
  document.getElementById('summary').textContent =
    `${manifest.listeners.length} listeners on ${manifest.host}, hostname ${manifest.hostname}; root CA: ${manifest.trust.rootCaFile}`;
  document.getElementById('ca-link').href = withToken('ca.pem');
  const byId = new Map(stats.map((s) => [s.id, s]));
  const main = document.getElementById('families');
  for (const family of FAMILIES) {
    const listeners = manifest.listeners.filter((l) => l.family === family);
    if (listeners.length === 0) continue;
    const section = document.getElementById('family-template').content.firstElementChild.cloneNode(true);
    section.dataset.family = family;
    section.querySelector('h2').textContent = `${family} faults`;
    const body = section.querySelector('tbody');
    for (const listener of listeners) {
      const row = body.insertRow();
      row.dataset.listener = listener.id;
      cell(row, 'port', String(listener.port));
      const name = cell(row, 'name');
      name.innerHTML = '<div class="id"></div><div class="title"></div><div class="fault"></div>';
      name.querySelector('.id').textContent = listener.id;
      name.querySelector('.title').textContent = listener.title;
      name.querySelector('.fault').textContent = listener.fault;
      if (listener.warning) {
        const warning = document.createElement('div');
        warning.className = 'warning';
        warning.textContent = `warning: ${listener.warning}`;
        name.append(warning);
      }
      cell(row, 'expect', cdn(listener.expect.fastly));
      cell(row, 'expect', cdn(listener.expect.cloudfront));
      const state = { ...(byId.get(listener.id) ?? { connections: 0, requests: 0, open: 0, lastEvent: null, lastClientHello: null }) };
      const hits = cell(row, 'num');
      hits.dataset.field = 'hits';
      const open = cell(row, 'num');
      open.dataset.field = 'open';
      const last = cell(row, 'last');
      last.dataset.field = 'last-event';
      const lastText = document.createElement('div');
      const hello = document.createElement('details');
      hello.className = 'hello';
      hello.innerHTML = '<summary>last ClientHello</summary><pre></pre>';
      hello.hidden = true;
      last.append(lastText, hello);
      const tryIt = cell(row, 'try');
      commandBlock(tryIt, 'curl', listener.commands.curl);
      commandBlock(tryIt, 'openssl', listener.commands.openssl);
      commandBlock(tryIt, 'dig', listener.commands.dig);
      const entry = { row, state, hits, open, lastText, hello };
      rows.set(listener.id, entry);
      paint(entry, false);
    }
    main.append(section);
  }
}

function paint(entry, flash) {
  const { state } = entry;
  entry.hits.textContent = String(state.connections || state.requests);
  entry.open.textContent = String(state.open);
  showClipped(entry.lastText, describeEvent(state.lastEvent));
  const hello = describeHello(state.lastClientHello);
  entry.hello.hidden = !hello;
  if (hello) showClipped(entry.hello.querySelector('pre'), hello);
  if (flash) {
    entry.row.classList.remove('flash');
    void entry.row.offsetWidth;
    entry.row.classList.add('flash');
  }
}

function follow() {
  const source = new EventSource(withToken('events'));
  // Each message carries the listener's counters as the farm keeps them (src/monitor.ts): nothing is counted here.
  source.addEventListener('listener-event', (message) => {
    const { event, stats } = JSON.parse(message.data);
    const entry = rows.get(event.listener);
    if (!entry || !stats) return;
    entry.state = stats;
    paint(entry, true);
  });
}

async function main() {
  const [manifest, stats] = await Promise.all([fetch(withToken('manifest.json')).then((r) => r.json()), fetch(withToken('listeners')).then((r) => r.json())]);
  render(manifest, stats);
  follow();
  document.body.dataset.ready = 'true';
}

main().catch((error) => {
  document.getElementById('summary').textContent = `cannot load the farm: ${error}`;
});
