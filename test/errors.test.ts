import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { FARM_ERRORS, FarmError, bindError, farmError } from '../src/errors.js';
import { startFarm } from '../src/farm.js';
import { certsDir } from './helpers/farm.js';

test('one bind-error message for every code: in use, privileges, not an address here, anything else', () => {
  const where = 'port 80 on 127.0.0.1 (listener tls-ok)';
  const cases = [
    ['EADDRINUSE', `${where} is already in use`],
    ['EACCES', `${where} needs privileges to bind`],
    ['EADDRNOTAVAIL', `${where} cannot be bound (EADDRNOTAVAIL: not an address of this machine)`],
    ['EINVAL', `${where} cannot be bound (EINVAL)`],
  ] as const;
  for (const [code, message] of cases) {
    const error = bindError(where, { code, message: 'system text' });
    assert.ok(error instanceof FarmError);
    assert.deepEqual([error.code, error.message, error.exitCode], [code, message, 2]);
  }
  assert.deepEqual(
    [bindError(where, { message: 'no code' }).code, bindError(where, { message: 'no code' }).message],
    ['LISTEN_FAILED', `${where} cannot be bound (no code)`],
  );
});

test('farmError builds the registered message of its code', () => {
  const error = farmError('BAD_CONFIG', 'c.json', 'no such file');
  assert.deepEqual([error.code, error.message], ['BAD_CONFIG', '--config c.json: no such file']);
  assert.equal(
    farmError('NO_FARM', '127.0.0.1 port 9401', 'm.json').message,
    'no farm found at 127.0.0.1 port 9401 (from --manifest m.json): start the farm that wrote it',
  );
  for (const [code, { meaning }] of Object.entries(FARM_ERRORS)) assert.match(meaning, /\S/, `${code} says what it means`);
});

test('a farm binding a port another process holds fails with EADDRINUSE naming the port and listener', async (t) => {
  const certs = certsDir();
  const busy = createServer();
  t.after(() => {
    busy.close();
    certs.remove();
  });
  await new Promise<void>((resolve) => busy.listen({ host: '127.0.0.1', port: 0 }, resolve));
  const port = (busy.address() as { port: number }).port;
  // http-ok is at offset 60: base port + 60 is the taken one.
  let outcome: unknown = 'the farm started';
  try {
    await (await startFarm({ basePort: port - 60, certsDir: certs.dir, only: ['http-ok'], controlPort: null })).close();
  } catch (error) {
    outcome = error;
  }
  assert.ok(outcome instanceof FarmError, `the farm did not fail: ${String(outcome)}`);
  assert.equal(outcome.code, 'EADDRINUSE');
  assert.equal(outcome.message, `port ${port} on 127.0.0.1 (listener http-ok) is already in use`);
});
