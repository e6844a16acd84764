import type { HttpFault } from '../define-fault.js';
import { badChunkedFault } from './bad-chunked.js';
import { conflictingContentLengthFault } from './conflicting-content-length.js';
import { connectionHoldFault } from './connection-hold.js';
import { contentRangeLengthMismatchFault } from './content-range-length-mismatch.js';
import { craftedFault } from './crafted.js';
import { garbageResponseFault } from './garbage-response.js';
import { gzipCorruptFault } from './gzip-corrupt.js';
import { gzipLengthMismatchFault } from './gzip-length-mismatch.js';
import { headerOverflowFault } from './header-overflow.js';
import { healthFailingFault } from './health-failing.js';
import { healthFlappingFault } from './health-flapping.js';
import { illegalVaryFault } from './illegal-vary.js';
import { keepaliveCloseOnReuseFault } from './keepalive-close-on-reuse.js';
import { malformedStatusLineFault } from './malformed-status-line.js';
import { okFault } from './ok.js';
import { oversizedBodyFault } from './oversized-body.js';
import { redirectLoopFault } from './redirect-loop.js';
import { requestBodyNotReadFault } from './request-body-not-read.js';
import { requestBodyResetFault } from './request-body-reset.js';
import { slowDripFault } from './slow-drip.js';
import { slowFirstByteFault } from './slow-first-byte.js';
import { stallMidBodyFault } from './stall-mid-body.js';
import { staleThenFailFault } from './stale-then-fail.js';
import { statusFault } from './status.js';
import { truncatedBodyFault } from './truncated-body.js';

/** The faults of the `http-fault` mechanism (a scenario's `params.fault` names one): one module each, one line here. */
export const HTTP_FAULTS: readonly HttpFault[] = [
  okFault,
  statusFault,
  slowFirstByteFault,
  stallMidBodyFault,
  slowDripFault,
  requestBodyNotReadFault,
  requestBodyResetFault,
  illegalVaryFault,
  oversizedBodyFault,
  truncatedBodyFault,
  badChunkedFault,
  garbageResponseFault,
  malformedStatusLineFault,
  headerOverflowFault,
  conflictingContentLengthFault,
  healthFailingFault,
  healthFlappingFault,
  staleThenFailFault,
  connectionHoldFault,
  redirectLoopFault,
  gzipCorruptFault,
  gzipLengthMismatchFault,
  keepaliveCloseOnReuseFault,
  contentRangeLengthMismatchFault,
  craftedFault,
];
