// The control API as the dashboard calls it: the page's ?token= travels with every request (the event stream cannot
// set an Authorization header), and every answer is JSON.

const token = new URLSearchParams(location.search).get('token');

/** `path` with the page's token appended as a query parameter, when the page has one. */
export function withToken(path) {
  return token ? `${path}${path.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}` : path;
}

/** GET `path` as JSON; resolves null for a 404 (a route this farm does not have), rejects on other errors. */
export async function getJson(path) {
  const response = await fetch(withToken(path), { headers: { accept: 'application/json' } });
  if (response.status === 404) return null;
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await errorText(response)}`);
  return response.json();
}

/** POST `body` as JSON to `path`; resolves `{ status, body }` whatever the status. */
export async function postJson(path, body) {
  const response = await fetch(withToken(path), {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
  });
  let parsed = null;
  try {
    parsed = await response.json();
  } catch {
    parsed = { error: `answer was not JSON (${response.status})` };
  }
  return { status: response.status, body: parsed };
}

async function errorText(response) {
  try {
    return (await response.json()).error ?? '';
  } catch {
    return '';
  }
}

/** Follows the farm's event stream; `onEvent({event, stats})` for each listener event. Returns the EventSource. */
export function follow(onEvent) {
  const source = new EventSource(withToken('events'));
  source.addEventListener('listener-event', (message) => onEvent(JSON.parse(message.data)));
  return source;
}
