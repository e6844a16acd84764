import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import dnsPacket from 'dns-packet';
import { garbageQuery, longNameQuery, pointerQuery } from '../scripts/attack/dns-queries.js';
import { formatSection, SECTIONS } from '../scripts/attack/run.js';
import { certsDir } from './helpers/farm.js';

// CI's short version of `npm run attack`: every section, with the smaller counts, each against a farm process of its own.

describe('attack inputs', () => {
  test('the DNS amplification query is 1,765 bytes that decode to 250 questions; the others are what they say', () => {
    const amplifier = pointerQuery(7, 250, 'origin.test');
    assert.equal(amplifier.length, 1765);
    const decoded = dnsPacket.decode(amplifier);
    assert.equal(decoded.questions?.length, 250);
    assert.ok(decoded.questions!.every((q) => q.name.length === 253 && q.name.endsWith('.origin.test')));
    assert.equal(dnsPacket.decode(longNameQuery(1, 'origin.test')).questions?.[0]?.name.length, 253);
    assert.throws(() => dnsPacket.decode(garbageQuery(2, 1765)));
  });
});

describe('attacks on a farm in its own process (short counts)', () => {
  const certs = certsDir();
  after(() => certs.remove());
  for (const section of SECTIONS) {
    test(`${section.name}: ${section.title}`, { timeout: 150_000 }, async () => {
      const result = await section.run({ short: true, certsDir: certs.dir });
      console.log(formatSection(result));
      assert.ok(result.figures.length > 0, 'the section measured nothing');
      assert.deepEqual(result.failures, []);
    });
  }
});
