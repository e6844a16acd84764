import { defineH2Fault } from '../define-fault.js';
import { withChangedFields } from './changed-fields.js';

/** h2-connection-header: the response carries `connection: keep-alive`, a connection-specific field (RFC 9113 §8.2.2). */
export const connectionHeaderFault = defineH2Fault({
  name: 'connection-header',
  params: {},
  defaults: {},
  create: ({ ok }) =>
    withChangedFields(ok, 'connection: keep-alive in the response', (fields) => [...fields, { name: 'connection', value: 'keep-alive' }]),
});
