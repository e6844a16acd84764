import { parseSpec, oneLine } from '../crafted/parse.js';
import { planResponse } from '../crafted/plan.js';
import { writePlan } from '../crafted/write.js';
import { defineHttpFault } from '../define-fault.js';
import { headerValue, type RequestHead } from '../request-head.js';
import { SCENARIO_HEADER, sendAndClose, simpleResponse } from '../response.js';

/** The request header that carries a crafted fault spec (it wins over the path). */
export const FAULT_HEADER = 'X-Badorigin-Fault';
/** The path segment after which the path carries a crafted fault spec, percent-decoded. */
export const SPEC_PATH = '/crafted/';

/** Percent-decodes `text` byte by byte into latin1 (each `%HH` one byte, whatever it is; no UTF-8 decoding to fail). */
const percentDecoded = (text: string): string =>
  text.replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));

/**
 * Where a request's spec is: the `X-Badorigin-Fault` header when it is not empty, else the path after the last
 * `/crafted/` (so any prefix is fine: a proxy's route, which may itself be `/crafted/`, or verify's probe path),
 * percent-decoded; undefined when there is neither.
 */
export function specOf(head: RequestHead): { spec: string; from: 'header' | 'path' } | undefined {
  const header = headerValue(head, FAULT_HEADER.toLowerCase());
  if (header) return { spec: header, from: 'header' };
  const at = head.path.lastIndexOf(SPEC_PATH);
  const spec = at === -1 ? '' : percentDecoded(head.path.slice(at + SPEC_PATH.length));
  return spec ? { spec, from: 'path' } : undefined;
}

/**
 * crafted: the response is the one the request describes, in the crafted fault language (docs/crafted.md; grammar in
 * src/listeners/http/crafted/grammar.ts): status and reason, header fields written as given (illegal ones too), a
 * body of text or filler, chunks, a Content-Length that lies, pauses, and a close (FIN) or reset (RST) at body
 * offsets, each bounded by the farm's caps. A spec that does not parse or passes a cap gets a 400 whose one line
 * names the column and what was expected (or the cap); a request without a spec gets a plain 200 saying how to ask.
 */
export const craftedFault = defineHttpFault({
  name: 'crafted',
  params: {},
  defaults: {},
  // An empty spec after the listener's route (`…/<probe path>/crafted/`): the plain 200, whatever the prefix.
  request: () => ({ method: 'GET', pathSuffix: SPEC_PATH.slice(1) }),
  async behaviour(context) {
    const found = specOf(context.head);
    if (!found) {
      context.fault('no fault spec, 200');
      const body = `badorigin ${context.id}: no fault spec; send one as ${SPEC_PATH}<spec> or in ${FAULT_HEADER}\n`;
      const extra: [string, string][] = [
        ['Cache-Control', 'no-store'],
        [SCENARIO_HEADER, context.id],
      ];
      return sendAndClose(context.socket, simpleResponse(200, body, extra, context.head.method === 'HEAD'));
    }
    const parsed = await parseSpec(found.spec);
    const plan = 'error' in parsed ? parsed : planResponse(parsed.directives, context.maxHoldMs);
    if ('error' in plan) {
      const why = `bad fault spec in the ${found.from}, ${plan.error}`;
      context.fault(`${why.slice(0, 200)}, 400`);
      return sendAndClose(context.socket, simpleResponse(400, `badorigin ${context.id}: ${why}\n`, [[SCENARIO_HEADER, context.id]]));
    }
    const spec = oneLine(found.spec);
    context.fault(`crafted ${spec.length > 80 ? `${spec.slice(0, 80)}…` : spec}: ${plan.headBytes}-byte head, ${plan.bodyBytes}-byte body`);
    await writePlan(context, plan);
  },
});
