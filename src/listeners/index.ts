import type { Mechanism } from './mechanism.js';
import { tlsMechanism } from './tls.js';

export type { Mechanism, MechanismContext, ConnectionHandler, ListenerEvent, Transport } from './mechanism.js';

/** Every mechanism a scenario file may name in `mechanism`, by name. */
export const MECHANISMS: ReadonlyMap<string, Mechanism<never>> = new Map<string, Mechanism<never>>(
  [tlsMechanism as Mechanism<never>].map((mechanism) => [mechanism.name, mechanism]),
);
