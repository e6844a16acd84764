import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { ManifestListener } from '../../src/manifest.js';
import type { Rng } from '../../scripts/fuzz/random.js';

/** Scenarios that hold a connection by design: the soak keeps connections open on them (and their `-tls` variants). */
export const STALLING_SCENARIOS = ['slow-first-byte', 'stall-mid-body', 'slow-drip', 'connection-hold', 'request-body-not-read'];

/**
 * Keeps up to `target` connections open on the stalling listeners, each sending `GET /` and then reading and
 * discarding whatever comes, released after a random 5–30 s (or when the farm ends it) and replaced while `running`.
 */
export class HeldConnections {
  private readonly open = new Set<Socket>();
  private running = true;
  /** Connections opened, and ended by the farm before their time (e.g. slow-drip finishing its body). */
  readonly counts = { opened: 0, endedByFarm: 0, errors: 0 };

  constructor(
    private readonly listeners: ManifestListener[],
    private readonly ca: string,
    private readonly target: number,
    private readonly rng: Rng,
  ) {}

  /** Connections open now. */
  get size(): number {
    return this.open.size;
  }

  /** Opens connections up to the target (call once; replacements follow by themselves). */
  start(): void {
    for (let i = this.open.size; i < this.target; i++) this.openOne();
  }

  /** Stops replacing and destroys every connection still open. */
  releaseAll(): void {
    this.running = false;
    for (const socket of this.open) socket.destroy();
    this.open.clear();
  }

  private openOne(): void {
    if (!this.running || this.listeners.length === 0) return;
    const listener = this.rng.pick(this.listeners);
    const tls = listener.transport === 'https';
    const socket: Socket = tls
      ? tlsConnect({ host: '127.0.0.1', port: listener.port, ca: this.ca, servername: listener.connect.sni ?? undefined })
      : netConnect({ host: '127.0.0.1', port: listener.port });
    this.open.add(socket);
    this.counts.opened++;
    let releasedByUs = false;
    const hold = setTimeout(
      () => {
        releasedByUs = true;
        socket.destroy();
      },
      this.rng.range(5_000, 30_000),
    );
    socket.once(tls ? 'secureConnect' : 'connect', () =>
      socket.write('GET / HTTP/1.1\r\nHost: localhost\r\nUser-Agent: badorigin-soak\r\n\r\n'),
    );
    socket.on('data', () => undefined);
    socket.on('error', () => this.counts.errors++);
    socket.on('close', () => {
      clearTimeout(hold);
      if (!releasedByUs && this.running) this.counts.endedByFarm++;
      this.open.delete(socket);
      if (this.running) setImmediate(() => this.openOne());
    });
  }
}
