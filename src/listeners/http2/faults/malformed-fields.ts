import type { HeaderField } from '../../../h2/hpack.js';
import { okResponse } from '../response.js';
import type { FaultSetup } from '../params.js';
import type { H2Fault } from '../session.js';

/** The control's response with its fields changed by `change`. */
function withFields(setup: FaultSetup, detail: string, change: (fields: HeaderField[]) => HeaderField[]): H2Fault {
  const startedAt = new Date();
  return {
    onRequest(session, request) {
      const { fields, body } = okResponse(setup.id, startedAt);
      session.report(detail);
      session.respond(request.streamId, change(fields), body);
    },
  };
}

/** h2-uppercase-header: the listener-naming field is sent as `X-Badorigin-Scenario`: malformed (RFC 9113 §8.2.1). */
export const uppercaseHeader = (setup: FaultSetup): H2Fault =>
  withFields(setup, 'uppercase field name in the response', (fields) =>
    fields.map((f) => (f.name === 'x-badorigin-scenario' ? { name: 'X-Badorigin-Scenario', value: f.value } : f)),
  );

/** h2-connection-header: the response carries `connection: keep-alive`, a connection-specific field (RFC 9113 §8.2.2). */
export const connectionHeader = (setup: FaultSetup): H2Fault =>
  withFields(setup, 'connection: keep-alive in the response', (fields) => [...fields, { name: 'connection', value: 'keep-alive' }]);
