// badorigin dashboard: the overview (#/), a page per listener (#/listeners/<id>) and the latest verify run (#/verify),
// following the farm's event
// stream. Plain modules, no framework, no build step; every network string is shown as text (see dom.js).
import { follow, getJson, withToken } from './api.js';
import { listenerEvent, renderListener } from './listener.js';
import { renderOverview, updateTile } from './overview.js';
import { latestVerifyReport, verifyVerdicts } from './verify.js';
import { renderVerify } from './verify-view.js';

const state = { manifest: null, sources: [], ledgerSize: null, stats: new Map(), verdicts: new Map(), filter: { text: '', family: '' } };
const main = document.getElementById('view');

async function route() {
  const match = /^#\/listeners\/(.+)$/.exec(location.hash);
  const verifyView = location.hash === '#/verify';
  document.body.dataset.ready = 'false';
  if (match) await renderListener(main, state, decodeURIComponent(match[1]));
  else if (verifyView) {
    const report = await latestVerifyReport();
    state.verdicts = verifyVerdicts(report);
    renderVerify(main, report);
  } else renderOverview(main, state);
  document.body.dataset.view = match ? 'listener' : verifyView ? 'verify' : 'overview';
  document.body.dataset.route = location.hash || '#/';
  document.body.dataset.ready = 'true';
}

async function start() {
  const [manifest, stats, verdicts, sources, health] = await Promise.all([
    getJson('manifest.json'),
    getJson('listeners'),
    latestVerifyReport().then(verifyVerdicts),
    getJson('sources.json').catch(() => null),
    getJson('healthz'),
  ]);
  state.ledgerSize = typeof health?.ledgerSize === 'number' ? health.ledgerSize : null;
  state.manifest = manifest;
  state.sources = sources ?? [];
  state.stats = new Map(stats.map((s) => [s.id, s]));
  state.verdicts = verdicts;
  showSummary();
  document.getElementById('ca-link').href = withToken('ca.pem');
  follow(({ event, stats: counters }) => {
    if (LISTENER_CHANGES.has(event.type)) listenersChanged();
    if (!counters) return;
    state.stats.set(event.listener, counters);
    updateTile(event.listener, state);
    listenerEvent(event.listener, state, event);
  });
  window.addEventListener('hashchange', () => {
    route().then(() => main.focus({ preventScroll: false }), showError);
  });
  await route();
}

/** Events saying the farm started, changed or stopped a listener while running: the manifest is read again. */
const LISTENER_CHANGES = new Set(['listener-added', 'listener-changed', 'listener-removed']);
let reloading = Promise.resolve();

function showSummary() {
  const { manifest } = state;
  document.getElementById('summary').textContent =
    `${manifest.listeners.length} listeners on ${manifest.host}, hostname ${manifest.hostname}`;
}

/**
 * Reads the manifest and counters again after a run-time change and redraws the overview when it is shown, so a tile
 * appears, changes or goes without a reload; the search box keeps its focus. One reload at a time, in order.
 */
function listenersChanged() {
  reloading = reloading
    .then(async () => {
      const [manifest, stats] = await Promise.all([getJson('manifest.json'), getJson('listeners')]);
      state.manifest = manifest;
      state.stats = new Map(stats.map((s) => [s.id, s]));
      showSummary();
      if (document.body.dataset.view !== 'overview') return;
      const searching = document.activeElement?.id === 'search';
      renderOverview(main, state);
      if (searching) document.getElementById('search').focus();
    })
    .catch(showError);
}

function showError(error) {
  document.getElementById('summary').textContent = `cannot load the farm: ${error}`;
}

start().catch(showError);
