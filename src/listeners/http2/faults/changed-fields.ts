import type { HeaderField } from '../../../h2/hpack.js';
import type { OkAnswer } from '../response.js';
import type { H2Fault } from '../session.js';

/**
 * The control's response with its fields changed by `change` (uppercase-header, connection-header), reporting
 * `detail` for each.
 */
export function withChangedFields(ok: () => OkAnswer, detail: string, change: (fields: HeaderField[]) => HeaderField[]): H2Fault {
  return {
    onRequest(session, request) {
      const { fields, body } = ok();
      session.report(detail);
      session.respond(request.streamId, change(fields), body);
    },
  };
}
