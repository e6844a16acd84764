import { defineH2Fault } from '../define-fault.js';
import { withChangedFields } from './changed-fields.js';

/** h2-uppercase-header: the listener-naming field is sent as `X-Badorigin-Scenario`: malformed (RFC 9113 §8.2.1). */
export const uppercaseHeaderFault = defineH2Fault({
  name: 'uppercase-header',
  params: {},
  defaults: {},
  create: ({ ok }) =>
    withChangedFields(ok, 'uppercase field name in the response', (fields) =>
      fields.map((f) => (f.name === 'x-badorigin-scenario' ? { name: 'X-Badorigin-Scenario', value: f.value } : f)),
    ),
});
