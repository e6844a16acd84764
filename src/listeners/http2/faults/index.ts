import type { H2Fault } from '../session.js';
import { goawayImmediately } from './goaway-immediately.js';
import { ok } from './ok.js';
import { rstAfterHeaders } from './rst-after-headers.js';
import { rstStream } from './rst-stream.js';
import { settingsNeverAcked } from './settings-never-acked.js';
import { noServerPreface } from './silent.js';

/** The HTTP/2 faults by name (the `fault` param of the `http2` mechanism), each made for one listener id. */
export const H2_FAULTS = {
  ok,
  'goaway-immediately': goawayImmediately,
  'rst-refused-stream': () => rstStream('REFUSED_STREAM'),
  'rst-internal-error': () => rstStream('INTERNAL_ERROR'),
  'rst-after-headers': rstAfterHeaders,
  'no-server-preface': noServerPreface,
  'settings-never-acked': settingsNeverAcked,
} satisfies Record<string, (id: string) => H2Fault>;

/** Name of an HTTP/2 fault. */
export type H2FaultName = keyof typeof H2_FAULTS;

/** Every fault name, for the params schema. */
export const H2_FAULT_NAMES = Object.keys(H2_FAULTS) as [H2FaultName, ...H2FaultName[]];
