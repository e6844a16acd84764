import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clientAddress, hostPort, isWildcard } from '../src/address.js';
import { plannedManifest, resolveSettings } from '../src/farm.js';
import { isTlsTransport } from '../src/transport.js';

test('a wildcard bind is reached over the loopback address of its family; any other address as itself', () => {
  assert.deepEqual(['0.0.0.0', '::', '', '127.0.0.2', '::1', 'origin.test'].map(clientAddress), [
    '127.0.0.1',
    '::1',
    '127.0.0.1',
    '127.0.0.2',
    '::1',
    'origin.test',
  ]);
  assert.deepEqual(['0.0.0.0', '::', '', '127.0.0.1', '::1'].map(isWildcard), [true, true, true, false, false]);
  assert.equal(hostPort('::1', 80), '[::1]:80');
  assert.equal(hostPort('127.0.0.1', 80), '127.0.0.1:80');
});

test('the manifest names the control API by the address a client uses, for both wildcard families', () => {
  const url = (controlHost: string) => plannedManifest(resolveSettings({ basePort: 12000, controlHost, only: ['tls-ok'] })).control?.url;
  assert.equal(url('0.0.0.0'), 'http://127.0.0.1:11999');
  assert.equal(url('::'), 'http://[::1]:11999');
  assert.equal(url('::1'), 'http://[::1]:11999');
});

test('tls and https listeners are reached over TLS; tcp, http and dns are not', () => {
  assert.deepEqual((['tls', 'https', 'tcp', 'http', 'dns'] as const).map(isTlsTransport), [true, true, false, false, false]);
});
