import { requestFor as declaredRequest, type Scenario } from '../catalogue.js';
import { PLAIN_GET, type ClientRequest } from '../client-request.js';
import { DEFAULT_TIMEOUTS } from '../config/common.js';

/** What `verify` sends through the intermediary for one listener, and how much of the answer it reads. */
export type VerifyRequest = ClientRequest;

/**
 * The request `verify` sends through an intermediary for a listener of `scenario`: the one its fault declares
 * (src/listeners/http/faults/: a POST body, a path suffix, a bounded read, an encoding), for an intermediary whose
 * read timeout is `readTimeoutS` (default the generated configurations'), else `GET` with the whole body read.
 */
export function requestFor(
  scenario: Pick<Scenario, 'mechanism' | 'params'> | undefined,
  readTimeoutS: number = DEFAULT_TIMEOUTS.readTimeoutS,
): VerifyRequest {
  return scenario ? declaredRequest(scenario, { readTimeoutS }) : PLAIN_GET;
}
