import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bindPorts, type PortPlan } from '../src/bind.js';
import type { PlannedListener } from '../src/manifest.js';

/** A port owner that answers each listen with the next port of `ports`, as the kernel would hand them out. */
function owner(ports: number[]) {
  const asked: number[] = [];
  return {
    asked,
    listen: async (_host: string, port: number) => {
      asked.push(port);
      return ports.shift() ?? 0;
    },
    close: async () => undefined,
  };
}

function plan(id: string, port: number, ports: number[]): PortPlan & { owner: ReturnType<typeof owner> } {
  return { owner: owner(ports), members: [{ id, port } as PlannedListener] };
}

test('an ephemeral port handed out again moves the listener that gave it back, so no two listeners share one', async () => {
  const refused = plan('connection-refused', 0, [40001, 40003]);
  const drip = plan('slow-drip', 0, [40001]);
  const other = plan('http-ok', 0, [40002]);
  await bindPorts([refused, drip, other], '127.0.0.1');
  assert.deepEqual(
    [refused, drip, other].map((p) => p.members[0]!.port),
    [40003, 40001, 40002],
  );
  assert.deepEqual(refused.owner.asked, [0, 0]);
});

test('a listener that cannot be moved fails the bind with one line', async () => {
  const stuck = plan('connection-refused', 0, Array(11).fill(41000));
  const taker = plan('slow-drip', 0, [41000]);
  await assert.rejects(bindPorts([stuck, taker], '127.0.0.1'), (error: Error) => {
    assert.match(error.message, /^an ephemeral port for listener connection-refused on 127\.0\.0\.1 \(10 tries\) is already in use$/);
    return true;
  });
});
