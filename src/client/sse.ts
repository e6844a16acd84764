/** One server-sent event: its `event` type (`message` when the frame names none) and its `data` lines joined by LF. */
export interface ServerSentEvent {
  type: string;
  data: string;
}

/** Most characters one event may hold before the stream is given up (the farm's frames are a few KiB). */
const MAX_EVENT_CHARS = 1 << 20;

/**
 * The events of a `text/event-stream` body, in order (WHATWG HTML §9.2.6 "Interpreting an event stream": lines end
 * in CRLF, LF or CR; a blank line dispatches; `event:` sets the type, `data:` adds a line; comments, `id:` and
 * `retry:` are ignored, as is a frame without data). Ends when the body ends; cancels the body when the caller stops.
 * @throws Error when one event grows past MAX_EVENT_CHARS (a stream that is not the farm's).
 */
export async function* serverSentEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<ServerSentEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let type = '';
  let data: string[] = [];
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      // A CR at the very end may be the first half of a CRLF: keep it for the next chunk.
      const lines = buffer.split(/\r\n|\n|\r(?!$)/);
      buffer = lines.pop() ?? '';
      if (buffer.length > MAX_EVENT_CHARS) throw new Error(`an event-stream line is longer than ${MAX_EVENT_CHARS} characters`);
      for (const line of lines) {
        if (line === '') {
          if (data.length > 0) yield { type: type || 'message', data: data.join('\n') };
          type = '';
          data = [];
          continue;
        }
        const colon = line.indexOf(':');
        if (colon === 0) continue;
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + (line[colon + 1] === ' ' ? 2 : 1));
        if (field === 'event') type = value;
        else if (field === 'data') data.push(value);
        if (data.reduce((n, d) => n + d.length, 0) > MAX_EVENT_CHARS)
          throw new Error(`an event is longer than ${MAX_EVENT_CHARS} characters`);
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}
