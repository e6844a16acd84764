import type { FaultSetup, H2FaultName } from '../params.js';
import type { H2Fault } from '../session.js';
import { badHpack } from './bad-hpack.js';
import { dataAfterEndStream } from './data-after-end-stream.js';
import { flowControlStall } from './flow-control-stall.js';
import { goawayImmediately } from './goaway-immediately.js';
import { goawayMidResponse } from './goaway-mid-response.js';
import { grpcErrorStatus } from './grpc-error-status.js';
import { headersTooLarge } from './headers-too-large.js';
import { idleClose } from './idle-close.js';
import { connectionHeader, uppercaseHeader } from './malformed-fields.js';
import { maxConcurrentStreams1 } from './max-concurrent-streams-1.js';
import { ok } from './ok.js';
import { pingUnanswered } from './ping-unanswered.js';
import { rstAfterHeaders } from './rst-after-headers.js';
import { rstStream } from './rst-stream.js';
import { settingsNeverAcked } from './settings-never-acked.js';
import { noServerPreface } from './silent.js';

/** The HTTP/2 faults by name (the `fault` param of the `http2` mechanism), each made for one listener. */
export const H2_FAULTS: Record<H2FaultName, (setup: FaultSetup) => H2Fault> = {
  ok,
  'goaway-immediately': goawayImmediately,
  'goaway-mid-response': goawayMidResponse,
  'rst-refused-stream': () => rstStream('REFUSED_STREAM'),
  'rst-internal-error': () => rstStream('INTERNAL_ERROR'),
  'rst-after-headers': rstAfterHeaders,
  'no-server-preface': noServerPreface,
  'settings-never-acked': settingsNeverAcked,
  'flow-control-stall': flowControlStall,
  'data-after-end-stream': dataAfterEndStream,
  'uppercase-header': uppercaseHeader,
  'connection-header': connectionHeader,
  'bad-hpack': badHpack,
  'ping-unanswered': pingUnanswered,
  'max-concurrent-streams-1': maxConcurrentStreams1,
  'idle-close': idleClose,
  'headers-too-large': headersTooLarge,
  'grpc-error-status': grpcErrorStatus,
};
