import type { RequestContext } from './faults/context.js';
import { writeFill } from './filler.js';
import { SCENARIO_HEADER, responseHead, writeAndWait } from './response.js';

/**
 * The start of a body that never ends as announced (RFC 9112 §6.3: an incomplete message): a 200 head with
 * Content-Length `contentLength` bytes, then `sentBytes` of filler (at most `contentLength` - 1, so the body is always
 * short), written as fast as the client reads, reported as the fault `<what> after <sent> of <length> body bytes`.
 * Keeps reading what the client sends, so the kernel never resets a held connection for unread data.
 * @returns false when the client went away before all of it was written.
 */
export async function writePartialBody(context: RequestContext, contentLength: number, sentBytes: number, what: string): Promise<boolean> {
  const sent = Math.min(sentBytes, Math.max(contentLength - 1, 0));
  context.fault(`${what} after ${sent} of ${contentLength} body bytes`);
  const head = responseHead(200, [
    ['Content-Type', 'application/octet-stream'],
    ['Content-Length', contentLength],
    ['Cache-Control', 'no-store'],
    [SCENARIO_HEADER, context.id],
  ]);
  context.socket.resume();
  if (!(await writeAndWait(context.socket, head))) return false;
  return writeFill(context.socket, sent);
}
