import type { Socket } from 'node:net';
import type { RequestContext } from '../faults/context.js';
import { FILL_BLOCK_BYTES, writeFill } from '../filler.js';
import { finish, flushed, sleep, writeAndWait } from '../response.js';
import type { Piece, Plan, Step } from './plan.js';

/** ms between the last byte before a reset leaving the TCP socket and the RST, so the peer has read it (as reset-mid-response). */
export const RESET_GRACE_MS = 50;

/** Most bytes of one write of a repeated text: repetitions are gathered up to this size, never more. */
const REPEAT_BATCH_BYTES = 64 * 1024;

/** A write: bytes as they are, or a number of filler bytes (`writeFill`). */
type Run = Buffer | number;

/** The writes of one piece, made lazily, so a 1 TiB piece or 100,000 repetitions cost no memory up front. */
function* runs(piece: Piece): Generator<Run> {
  if ('bytes' in piece) {
    if (piece.bytes.length === 0) return;
    const perBatch = Math.max(1, Math.min(piece.times, Math.floor(REPEAT_BATCH_BYTES / piece.bytes.length)));
    const batch = Buffer.concat(Array.from({ length: perBatch }, () => piece.bytes));
    for (let left = piece.times; left > 0; left -= perBatch) yield left >= perBatch ? batch : batch.subarray(0, left * piece.bytes.length);
    return;
  }
  for (let i = 0; i < piece.times; i++) {
    if (!piece.chunked) {
      if (piece.fill > 0) yield piece.fill;
      continue;
    }
    // The same framing as writeFill's chunked mode, cut into runs so that a step can fall inside a chunk.
    for (let left = piece.fill; left > 0; left -= FILL_BLOCK_BYTES) {
      const size = Math.min(left, FILL_BLOCK_BYTES);
      yield Buffer.from(`${size.toString(16)}\r\n`);
      yield size;
      yield Buffer.from('\r\n');
    }
  }
}

const runBytes = (run: Run): number => (typeof run === 'number' ? run : run.length);
const split = (run: Run, at: number): [Run, Run] => (typeof run === 'number' ? [at, run - at] : [run.subarray(0, at), run.subarray(at)]);
const write = (socket: Socket, run: Run): Promise<boolean> =>
  typeof run === 'number' ? writeFill(socket, run) : writeAndWait(socket, run);

/** Takes one step. @returns false when the response ends there (close, reset, hold, or the client left). */
async function take(context: RequestContext, step: Step): Promise<boolean> {
  switch (step.kind) {
    case 'pause':
      return sleep(context.socket, step.ms);
    case 'hold':
      // Nothing more is written; the client, or the farm's --max-hold-ms, ends the connection.
      return false;
    case 'close':
      finish(context.socket);
      return false;
    case 'reset':
      // The RST must not overtake the bytes before it: the TLS records, then the TCP queue, must have left first.
      await flushed(context.socket);
      await flushed(context.raw);
      if (await sleep(context.raw, RESET_GRACE_MS)) context.raw.resetAndDestroy();
      return false;
  }
}

/**
 * Writes a plan on the request's connection: its pieces in order, as fast as the client reads (backpressure; filler
 * from the shared block), taking each step once exactly `step.at` response bytes have been written; then FIN
 * (`finish`) unless a step ended the response. Keeps reading what the client sends. Never rejects for a client
 * that leaves: it just stops.
 */
export async function writePlan(context: RequestContext, plan: Plan): Promise<void> {
  const { socket } = context;
  socket.resume();
  let written = 0;
  let next = 0;
  const stepsHere = async (): Promise<boolean> => {
    while (next < plan.steps.length && plan.steps[next]!.at === written) if (!(await take(context, plan.steps[next++]!))) return false;
    return true;
  };
  for (const piece of plan.pieces) {
    for (let run of runs(piece)) {
      for (;;) {
        if (!(await stepsHere())) return;
        const size = runBytes(run);
        if (size === 0) break;
        const now = Math.min(size, next < plan.steps.length ? plan.steps[next]!.at - written : size);
        const [part, rest] = split(run, now);
        if (!(await write(socket, part))) return;
        written += now;
        run = rest;
      }
    }
  }
  if (await stepsHere()) finish(socket);
}
