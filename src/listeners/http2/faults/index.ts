import type { RegisteredH2Fault } from '../define-fault.js';
import { badHpackFault } from './bad-hpack.js';
import { connectionHeaderFault } from './connection-header.js';
import { dataAfterEndStreamFault } from './data-after-end-stream.js';
import { flowControlStallFault } from './flow-control-stall.js';
import { goawayImmediatelyFault } from './goaway-immediately.js';
import { goawayMidResponseFault } from './goaway-mid-response.js';
import { grpcErrorStatusFault } from './grpc-error-status.js';
import { headersTooLargeFault } from './headers-too-large.js';
import { idleCloseFault } from './idle-close.js';
import { maxConcurrentStreams1Fault } from './max-concurrent-streams-1.js';
import { noServerPrefaceFault } from './no-server-preface.js';
import { okFault } from './ok.js';
import { pingUnansweredFault } from './ping-unanswered.js';
import { rstAfterHeadersFault } from './rst-after-headers.js';
import { rstInternalErrorFault } from './rst-internal-error.js';
import { rstRefusedStreamFault } from './rst-refused-stream.js';
import { settingsNeverAckedFault } from './settings-never-acked.js';
import { uppercaseHeaderFault } from './uppercase-header.js';

/** The faults of the `http2` mechanism (a scenario's `params.fault` names one): one module each, one line here. */
export const H2_FAULTS: readonly RegisteredH2Fault[] = [
  okFault,
  goawayImmediatelyFault,
  goawayMidResponseFault,
  rstRefusedStreamFault,
  rstInternalErrorFault,
  rstAfterHeadersFault,
  noServerPrefaceFault,
  settingsNeverAckedFault,
  flowControlStallFault,
  dataAfterEndStreamFault,
  uppercaseHeaderFault,
  connectionHeaderFault,
  badHpackFault,
  pingUnansweredFault,
  maxConcurrentStreams1Fault,
  idleCloseFault,
  headersTooLargeFault,
  grpcErrorStatusFault,
];
