import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DEFAULT_CAPS, capFlag } from '../src/listeners/caps.js';
import { OptionsFile } from '../src/options-file.js';
import { envName, flagName, readOptions, type OptionSpec } from '../src/options/spec.js';
import { FARM_OPTIONS, farmFlag, type FarmOptions } from '../src/options/table.js';
import { yargsOptions } from '../src/options/yargs.js';
import { resolveSettings } from '../src/farm.js';

test('the yargs options are the table: flag names, kinds, CLI defaults, choices, in its order', () => {
  const declared = yargsOptions(FARM_OPTIONS);
  assert.deepEqual(Object.keys(declared), Object.keys(FARM_OPTIONS).map(flagName));
  assert.equal(declared['base-port']?.type, 'number');
  assert.equal(declared['base-port']?.default, 9400);
  assert.equal(declared.only?.array, true);
  assert.equal(declared.hostname?.array, undefined, '--hostname is one comma-separated string, not a greedy array');
  assert.equal(declared['log-level']?.default, 'info');
  assert.deepEqual(declared['log-level']?.choices, [...FARM_OPTIONS.logLevel.choices]);
  assert.equal(declared['max-connections']?.default, undefined, 'a computed default is left to resolveSettings');
  assert.equal(envName('maxHoldMs'), 'BADORIGIN_MAX_HOLD_MS');
});

test('the library applies the table defaults; the caps defaults are DEFAULT_CAPS', () => {
  const settings = resolveSettings({});
  assert.equal(settings.host, FARM_OPTIONS.host.default);
  assert.equal(settings.basePort, FARM_OPTIONS.basePort.default);
  assert.equal(settings.logLevel, 'silent');
  assert.equal(settings.caps.maxHoldMs, DEFAULT_CAPS.maxHoldMs);
  assert.equal(FARM_OPTIONS.maxHoldMs.default, DEFAULT_CAPS.maxHoldMs);
  // capFlag (cap events, http-fault's 400s) spells a cap's flag from its ListenerCaps key: each must be an option.
  for (const cap of Object.keys(DEFAULT_CAPS)) assert.ok(Object.hasOwn(FARM_OPTIONS, cap), `${cap} is a farm option`);
  assert.equal(capFlag('maxHeaderBytes'), farmFlag('maxHeaderBytes'));
  const lists: FarmOptions = { only: 'tls-ok, cert-expired', skip: ['a,b', 'c'], hostname: ['x.test,y.test'], controlPort: null };
  const listed = resolveSettings(lists);
  assert.deepEqual(
    [listed.only, listed.skip, listed.hostnames, listed.controlPort],
    [['tls-ok', 'cert-expired'], ['a', 'b', 'c'], ['x.test', 'y.test'], null],
  );
});

test('the bounds of a number option are declared in the table: --help shows them and resolveSettings checks them', () => {
  const declared = yargsOptions(FARM_OPTIONS);
  assert.match(String(declared['max-hold-ms']?.describe), /\(ms, at least 1\)$/);
  assert.match(String(declared['ledger-size']?.describe), new RegExp(`\\(attempts, 0 to ${FARM_OPTIONS.ledgerSize.max}\\)$`));
  const bounded = Object.entries<OptionSpec>(FARM_OPTIONS).flatMap(([name, spec]) =>
    spec.min === undefined ? [] : [{ name, spec, min: spec.min }],
  );
  assert.ok(bounded.length >= 8, 'every cap and the ledger size are bounded');
  for (const { name, spec, min } of bounded) {
    const below = min - 1;
    assert.throws(() => resolveSettings({ [name]: below }), new RegExp(`--${flagName(name)} must be .*whole number.*not ${below}$`), name);
    assert.throws(() => resolveSettings({ [name]: min + 0.5 }), new RegExp(`--${flagName(name)} `), name);
    const { max } = spec;
    if (max !== undefined) assert.throws(() => resolveSettings({ [name]: max + 1 }), new RegExp(`from ${min} to ${max}`), name);
  }
});

test('readOptions keeps only the table options and refuses a value of the wrong kind', () => {
  assert.deepEqual(readOptions(FARM_OPTIONS, { basePort: 1, 'base-port': 1, _: [], $0: 'x', format: 'json' }), { basePort: 1 });
  assert.throws(() => readOptions(FARM_OPTIONS, { basePort: '1' }), /--base-port: "1" is not a number/);
  assert.throws(() => readOptions(FARM_OPTIONS, { logLevel: 'loud' }), /--log-level/);
});

test('a --config file takes exactly the table keys, each of its kind', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'badorigin-options-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const read = (data: unknown) => {
    const file = join(dir, 'c.json');
    writeFileSync(file, JSON.stringify(data));
    return new OptionsFile().read(file, FARM_OPTIONS);
  };
  assert.deepEqual(read({ 'max-hold-ms': 5, maxHeaders: 3, only: ['a'], control: false }), {
    'max-hold-ms': 5,
    maxHeaders: 3,
    only: ['a'],
    control: false,
  });
  assert.throws(() => read({ hostname: ['a'] }), /"hostname": \["a"\] is not a string$/);
  assert.throws(() => read({ 'max-hold-ms': '5' }), /"max-hold-ms": "5" is not a number$/);
  assert.throws(() => read({ 'log-level': 'loud' }), /is not one of "trace"/);
  assert.throws(() => read({ format: 'json' }), /unknown key "format" \(known: host, hostname, base-port, only, skip, /);
});
