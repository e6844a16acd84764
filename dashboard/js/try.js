// "Try it": runs a reference client from the farm's machine against the listener (POST /listeners/:id/try) and shows
// the client's result next to the farm's view of the same connection.
import { getJson, postJson } from './api.js';
import { h, replace } from './dom.js';
import { diagram, LEDGER_OFF } from './wire.js';

function observedText(observed) {
  return Object.entries(observed)
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : v}`)
    .join('\n');
}

function verdict(result) {
  if (result.matches === undefined)
    return h('p', { class: 'verdict', text: 'The manifest names no expectation for this client to compare with.' });
  return h('p', {
    class: `verdict ${result.matches ? 'ok' : 'bad'}`,
    text: result.matches ? '✓ as the manifest expects' : '✗ not what the manifest expects',
  });
}

function clientSide(result) {
  return h(
    'section',
    { class: 'try-client', 'aria-label': 'what the client saw' },
    h('h4', { text: `What ${result.client} saw` }),
    h('pre', { class: 'observed', dataset: { field: 'observed' }, text: observedText(result.observed) }),
    verdict(result),
    result.expected !== undefined
      ? h('p', { class: 'expected' }, 'expected: ', h('code', { text: JSON.stringify(result.expected) }))
      : null,
    h('p', { class: 'command' }, 'ran: ', h('code', { text: result.command }), ` (${result.durationMs} ms)`),
    result.output ? h('details', {}, h('summary', { text: 'output' }), h('pre', { class: 'output', text: result.output })) : null,
  );
}

/** How the run's attempts were told from other traffic on the listener (src/control/try-route.ts `TryAnswer`). */
const ATTRIBUTION = {
  'source-port': "Only this client's own connections: it connected from a source port chosen for this run.",
  window:
    "Every query that reached this listener while the client ran: this client cannot choose its source port, so another client's query at the same moment would show here too.",
};

function farmSide(answer, port, ledgerOff) {
  if (ledgerOff)
    return h(
      'section',
      { class: 'try-farm', 'aria-label': 'what the farm saw' },
      h('h4', { text: 'What the farm saw' }),
      h('p', { class: 'nothing', text: LEDGER_OFF }),
    );
  return h(
    'section',
    { class: 'try-farm', 'aria-label': 'what the farm saw' },
    h('h4', { text: 'What the farm saw' }),
    h('p', {
      class: 'hint',
      dataset: { attribution: answer.attribution },
      text: `${ATTRIBUTION[answer.attribution] ?? ''} From the attempt ledger, probe ${answer.probe}.`,
    }),
    answer.farm.length === 0
      ? h('p', { class: 'nothing', text: 'No connection reached the farm on this port.' })
      : answer.farm.map((c) => diagram(c, port)),
  );
}

/**
 * The "Try it" section of listener `listener`: one button per reference client that applies here. `ledgerOff`: the
 * farm keeps no attempts, so its side cannot be shown.
 */
export async function trySection(listener, ledgerOff = false) {
  const out = h('div', { class: 'try-result', 'aria-live': 'polite' });
  const section = h(
    'section',
    { class: 'try', 'aria-labelledby': 'try-h' },
    h('h3', { id: 'try-h', text: 'Try it' }),
    h('p', {
      class: 'hint',
      text: "Runs a reference client on the farm's machine against this listener (5 s timeout) and shows its result next to the farm's view of the connection.",
    }),
  );
  const clients = (await getJson(`listeners/${encodeURIComponent(listener.id)}/try`)) ?? [];
  const buttons = clients.map((c) =>
    h(
      'button',
      {
        type: 'button',
        class: 'try-button',
        dataset: { client: c.client, unavailable: String(!c.available) },
        disabled: !c.available,
        title: c.available ? null : c.reason,
        onclick: (e) => run(listener, c.client, out, e.currentTarget, ledgerOff),
      },
      c.available ? `Run ${c.client}` : `${c.client} (${c.reason})`,
    ),
  );
  section.append(h('div', { class: 'try-buttons' }, buttons), out);
  return section;
}

async function run(listener, client, out, button, ledgerOff) {
  const all = [...button.parentElement.querySelectorAll('button')];
  for (const b of all) b.disabled = true;
  replace(out, h('p', { class: 'running', text: `running ${client}…` }));
  try {
    const { status, body } = await postJson(`listeners/${encodeURIComponent(listener.id)}/try`, { client });
    if (status !== 200) return replace(out, h('p', { class: 'error', role: 'alert', text: `${client}: ${body?.error ?? status}` }));
    replace(
      out,
      h('div', { class: 'side-by-side', dataset: { client } }, clientSide(body.result), farmSide(body, listener.port, ledgerOff)),
    );
  } catch (error) {
    replace(out, h('p', { class: 'error', role: 'alert', text: `${client}: ${error}` }));
  } finally {
    for (const b of all) b.disabled = b.dataset.unavailable === 'true';
  }
}
