import type { Socket } from 'node:net';
import type { Chooser } from './behaviour.js';
import type { ConnectionHandler, ListenerEvent } from './mechanism.js';

/** A behaviour's choice between the fault and the control (src/listeners/behaviour.ts, control.ts). */
export interface Selection {
  control: ConnectionHandler;
  chooser: Chooser;
  /** Reports the verdict of each connection (a `behaviour` event, in the connection's scope). */
  emit(event: Omit<ListenerEvent, 'listener' | 'time'>): void;
}

/**
 * The handler a farm listener serves with: its mechanism's handler (the fault), which `replace` swaps while the
 * listener runs (connections accepted afterwards get the new one; open ones keep theirs); with a `selection` (which
 * `select` sets, changes or clears), each connection goes to the fault or to the control as the behaviour's chooser
 * says, reported as a `behaviour` event.
 */
export class ListenerHandler implements ConnectionHandler {
  constructor(
    private current: ConnectionHandler,
    private selection?: Selection,
  ) {}

  /** Serves the fault's connections accepted from now on with `handler`. */
  replace(handler: ConnectionHandler): void {
    this.current = handler;
  }

  /**
   * Chooses between fault and control with `selection` from the next connection on (its chooser counts from zero);
   * undefined: every connection gets the fault.
   */
  select(selection: Selection | undefined): void {
    this.selection = selection;
  }

  /** True when `reset` has state to reset (the fault's, or the behaviour's counters). */
  get resettable(): boolean {
    return this.current.reset !== undefined || this.selection !== undefined;
  }

  onConnection(socket: Socket, raw: Socket): void {
    if (!this.selection) return this.current.onConnection(socket, raw);
    const { verdict, detail } = this.selection.chooser.next();
    this.selection.emit({ type: 'behaviour', behaviour: verdict, detail });
    (verdict === 'fault' ? this.current : this.selection.control).onConnection(socket, raw);
  }

  reset(): void {
    this.current.reset?.();
    this.selection?.control.reset?.();
    this.selection?.chooser.reset();
  }
}
