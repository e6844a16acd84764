import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { loadCatalogue, requestFor } from '../src/catalogue.js';
import { CDN_COLUMNS, cdnOutcome, outcomesOf, type CdnOutcome } from '../src/cdn/expectation.js';
import { CLOUDFRONT_FARM_CA } from '../src/cdn/farm-ca.js';
import { plannedManifest, resolveSettings } from '../src/farm.js';
import { assertManifest } from '../src/manifest-schema.js';
import { scenarioSchemaDocument } from '../src/scenario-schema-document.js';

const docsDir = fileURLToPath(new URL('../../shared/docs/', import.meta.url));
const catalogue = loadCatalogue();

/** Splits `doc § section; status: doc § section` into [doc, section] pairs (the section with any quote after it). */
function citations(source: string): [string, string][] {
  return source.split(';').map((part) => {
    const [doc, section] = part
      .replace(/^\s*\w+:\s*/, '')
      .split('§')
      .map((s) => s.trim());
    return [doc!, section ?? ''];
  });
}

/**
 * The section as cited, then without each trailing parenthesised group in turn: `Response timeout (custom origins
 * only)` is a heading itself, `Use when ("…")` carries a quote after it.
 */
function sectionCandidates(section: string): string[] {
  const candidates = [section];
  let rest = section;
  while (rest.endsWith(')')) {
    let depth = 0;
    let i = rest.length - 1;
    for (; i >= 0; i--) {
      if (rest[i] === ')') depth++;
      else if (rest[i] === '(' && --depth === 0) break;
    }
    if (i <= 0) break;
    rest = rest.slice(0, i).trim();
    candidates.push(rest);
  }
  return candidates;
}

/**
 * The headings of a document, lower-cased: its Markdown `#` lines and the bold entries of its lists (CloudFront's log
 * fields, `1. **x-edge-detailed-result-type**`); a document without `#` lines is plain text, whose headings are the
 * lines that are neither list items nor sentences (no closing `.`, `:`, `?`, `!`).
 */
function headingsOf(text: string): Set<string> {
  const lines = text.slice(text.indexOf('\n---\n') + 1).split('\n');
  const markdown = lines.some((line) => /^#{1,6}\s/.test(line));
  const headings = lines.flatMap((line) => {
    const hash = /^#{1,6}\s+(.+?)\s*$/.exec(line);
    if (hash) return [hash[1]!];
    const bold = /^\s*(?:\d+\.\s+)?\*\*([^*]+)\*\*\s*$/.exec(line);
    if (bold) return [bold[1]!];
    if (markdown) return [];
    const plain = line.trim();
    return plain && plain.length <= 120 && !/^([-*•]|\d+\.)\s/.test(plain) && !/[.:?!,]$/.test(plain) ? [plain] : [];
  });
  return new Set(headings.map((h) => h.toLowerCase()));
}

/** The texts an outcome quotes from its documents: Fastly's obj.response, CloudFront's X-Cache and log field, Cloudflare's error heading, Azure's ErrorInfo, bunny.net's error code. */
function quotedTexts(outcome: CdnOutcome): string[] {
  const texts = [
    'response' in outcome ? outcome.response : undefined,
    'xCache' in outcome ? outcome.xCache : undefined,
    'detailedResultType' in outcome ? outcome.detailedResultType : undefined,
    'error' in outcome ? outcome.error : undefined,
    'errorInfo' in outcome ? outcome.errorInfo : undefined,
    'errorCode' in outcome ? outcome.errorCode : undefined,
  ];
  return texts.filter((text): text is string => Boolean(text));
}

describe('scenario catalogue and manifest', () => {
  test('every scenario file is valid and ids, offsets and ports are unique and fixed', () => {
    assert.ok(catalogue.length >= 14);
    const manifest = plannedManifest(resolveSettings({ basePort: 9400, certsDir: '/tmp/unused-certs' }));
    assertManifest(manifest);
    // One port per listener, except that the DNS names share the DNS server's port.
    const ports = manifest.listeners.map((l) => (l.transport === 'dns' ? 'dns' : l.port));
    assert.equal(
      new Set(ports).size,
      ports.length - manifest.listeners.filter((l) => l.transport === 'dns').length + (ports.includes('dns') ? 1 : 0),
    );
    assert.equal(new Set(manifest.listeners.filter((l) => l.transport === 'dns').map((l) => l.port)).size, ports.includes('dns') ? 1 : 0);
    for (const entry of catalogue) {
      assert.equal(manifest.listeners.find((l) => l.id === entry.scenario.id)?.port, 9400 + entry.scenario.offset);
      if (entry.scenario.tls)
        assert.equal(manifest.listeners.find((l) => l.id === `${entry.scenario.id}-tls`)?.port, 9500 + entry.scenario.offset);
    }
  });

  test('every CDN expectation cites a section that exists in its document, and quotes only what the document prints', (t) => {
    if (!existsSync(docsDir)) {
      if (process.env.CI === 'true') throw new Error(`CI must have the CDN documents beside the clone (${docsDir})`);
      return t.skip('the CDN documents are not beside this checkout');
    }
    const docs = new Map<string, string>();
    const doc = (name: string) => {
      if (!docs.has(name)) docs.set(name, readFileSync(`${docsDir}${name}.txt`, 'utf8'));
      return docs.get(name)!.toLowerCase();
    };
    const headings = new Map<string, Set<string>>();
    const unheaded: string[] = [];
    const checkSource = (where: string, source: string) => {
      if (source === 'observed') return;
      for (const [name, section] of citations(source)) {
        assert.ok(existsSync(`${docsDir}${name}.txt`), `${where}: no document ${name}`);
        doc(name);
        if (!headings.has(name)) headings.set(name, headingsOf(docs.get(name)!));
        if (!sectionCandidates(section).some((candidate) => headings.get(name)!.has(candidate.toLowerCase())))
          unheaded.push(`${where}: "${section}" is not a heading of ${name}`);
      }
    };
    let quotes = 0;
    for (const { scenario } of catalogue) {
      for (const source of scenario.sources) checkSource(scenario.id, source);
      for (const [where, expect] of [
        [scenario.id, scenario.expect],
        [`${scenario.id}-tls`, scenario.tls?.expect ?? {}],
      ] as const) {
        for (const { key } of CDN_COLUMNS) {
          for (const { value, outcome } of outcomesOf(expect[key])) {
            const at = `${where} expect.${key}${value === null ? '' : `.outcomes.${value}`}`;
            checkSource(at, outcome.source);
            const cited = citations(outcome.source).map(([name]) => name);
            for (const text of quotedTexts(outcome)) {
              quotes += 1;
              assert.ok(
                cited.some((name) => doc(name).includes(text.toLowerCase())),
                `${at}: "${text}" is not in ${cited.join(', ')}`,
              );
            }
          }
        }
      }
    }
    checkSource('CLOUDFRONT_FARM_CA', CLOUDFRONT_FARM_CA.source);
    assert.deepEqual(unheaded, []);
    assert.ok(doc('cloudfront-502').includes(CLOUDFRONT_FARM_CA.xCache!.toLowerCase()));
    assert.ok(quotes > 40, `only ${quotes} quoted texts checked`);
  });

  test('an outcome per setting: the default unless a value is asked for; tls-cert defaults to the certificate served', () => {
    const planned = (tlsCert?: string) =>
      plannedManifest(
        resolveSettings({ basePort: 9400, certsDir: '/tmp/unused-certs', ...(tlsCert ? { tlsCert, tlsKey: '/tmp/unused-key.pem' } : {}) }),
      );
    const expired = planned().listeners.find((l) => l.id === 'cert-expired')!;
    assert.equal(cdnOutcome(expired.expect.cloudflare)?.status, 526);
    assert.equal(cdnOutcome(expired.expect.cloudflare, 'full')?.status, 200);
    assert.equal(cdnOutcome(expired.expect.cloudflare, 'no-such-mode')?.status, 526);
    assert.equal(cdnOutcome(expired.expect.fastly, 'false')?.status, 200);
    assert.equal(cdnOutcome(expired.expect.cloudfront, 'user')?.status, 502, 'a single outcome holds under every value');
    for (const [tlsCert, status] of [
      [undefined, 502],
      ['/tmp/unused-cert.pem', 200],
    ] as const) {
      const ok = planned(tlsCert).listeners.find((l) => l.id === 'tls-ok')!;
      assert.equal(cdnOutcome(ok.expect.cloudfront)?.status, status, `tls-ok with${tlsCert ? '' : 'out'} --tls-cert`);
      assert.equal(cdnOutcome(ok.expect.cloudfront, ok.certificate)?.status, status);
    }
  });

  test('CloudFront: every TLS listener serving the farm CA answers the farm CA 502 by default, its own outcome under tls-cert=user', () => {
    const planned = (tlsCert?: string) =>
      plannedManifest(
        resolveSettings({ basePort: 9400, certsDir: '/tmp/unused-certs', ...(tlsCert ? { tlsCert, tlsKey: '/tmp/unused-key.pem' } : {}) }),
      );
    const farm = planned();
    const tls = farm.listeners.filter((l) => l.certificate === 'farm');
    assert.ok(tls.length > 90, `only ${tls.length} TLS listeners`);
    for (const listener of tls) {
      const outcome = cdnOutcome(listener.expect.cloudfront, listener.certificate);
      assert.equal(outcome?.status, 502, `${listener.id}: CloudFront under tls-cert=farm`);
    }
    for (const listener of farm.listeners.filter((l) => !l.certificate)) {
      assert.notEqual(cdnOutcome(listener.expect.cloudfront), CLOUDFRONT_FARM_CA, `${listener.id} has no TLS`);
    }
    const http = (id: string) => farm.listeners.find((l) => l.id === id)!;
    const slow = http('slow-first-byte-tls').expect.cloudfront;
    assert.equal(cdnOutcome(slow, 'farm'), CLOUDFRONT_FARM_CA);
    assert.deepEqual(cdnOutcome(slow, 'user'), http('slow-first-byte').expect.cloudfront, 'tls-cert=user: the listener’s own outcome');
    assert.deepEqual(
      outcomesOf(http('http-ok-tls').expect.cloudfront).map((o) => o.value),
      ['farm'],
      'the documents say nothing of http-ok under tls-cert=user',
    );
    assert.deepEqual(
      http('cert-expired').expect.cloudfront,
      catalogue.find((e) => e.scenario.id === 'cert-expired')?.scenario.expect.cloudfront,
    );
    const withUser = planned('/tmp/unused-cert.pem').listeners.find((l) => l.id === 'slow-first-byte-tls')!;
    assert.equal(withUser.certificate, 'user');
    assert.equal(cdnOutcome(withUser.expect.cloudfront)?.status, 504, 'serving --tls-cert, the default is the listener’s own outcome');
  });

  test('a by-setting expectation naming another setting, value or default is refused with the file named', () => {
    const dir = mkdtempSync(join(tmpdir(), 'badorigin-settings-'));
    try {
      const text = readFileSync(new URL('../scenarios/cert-expired.yaml', import.meta.url), 'utf8');
      for (const [from, to, message] of [
        ['setting: "ssl-mode"', 'setting: "sslmode"', /expect\.cloudflare\.setting 'sslmode' is not a setting of cloudflare/],
        ['default: "strict"', 'default: "full"', /expect\.cloudflare\.default is 'full', but ssl-mode defaults to 'strict'/],
        ['      full:\n', '      flexible:\n', /expect\.cloudflare\.outcomes has 'flexible', not a value of ssl-mode/],
      ] as const) {
        assert.ok(text.includes(from), from);
        writeFileSync(join(dir, 'cert-expired.yaml'), text.replace(from, to));
        assert.throws(
          () => loadCatalogue(dir),
          (error: Error) => message.test(error.message) && error.message.includes('cert-expired.yaml'),
        );
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("offsets are 0-99 or 200-299: an offset among the -tls variants' 100-199 is refused, 250 is taken", () => {
    const dir = mkdtempSync(join(tmpdir(), 'badorigin-offsets-'));
    try {
      const text = readFileSync(new URL('../scenarios/cert-expired.yaml', import.meta.url), 'utf8');
      const offset = /^offset: \d+$/m;
      assert.match(text, offset);
      writeFileSync(join(dir, 'cert-expired.yaml'), text.replace(offset, 'offset: 150'));
      assert.throws(
        () => loadCatalogue(dir),
        (error: Error) => /cert-expired\.yaml.*offset/.test(error.message),
      );
      writeFileSync(join(dir, 'cert-expired.yaml'), text.replace(offset, 'offset: 250'));
      assert.equal(loadCatalogue(dir)[0]?.scenario.offset, 250);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

test('requestFor: the request each fault declares, GET with the whole body for the rest', () => {
  const byId = new Map(loadCatalogue().map((e) => [e.scenario.id, e.scenario]));
  const request = (id: string) => requestFor(byId.get(id)!, { readTimeoutS: 3 });
  assert.deepEqual(request('request-body-not-read'), { method: 'POST', bodyBytes: 64 * 1024 * 1024 });
  assert.deepEqual(request('request-body-reset'), { method: 'POST', bodyBytes: 64 * 1024 * 1024 });
  assert.deepEqual(request('origin-status'), { method: 'GET', pathSuffix: 'status/503' });
  assert.deepEqual(request('oversized-body'), { method: 'GET', maxBodyBytes: 1024 * 1024 });
  // slow-drip (2 s apart, 1024 bytes): the chunks of a 3 s read timeout and a second more, plus one.
  assert.deepEqual(request('slow-drip'), { method: 'GET', maxBodyBytes: 3 * 1024 });
  for (const id of ['http-ok', 'truncated-body', 'tls-ok', 'dns-nxdomain', 'reset-on-connect'])
    assert.deepEqual(request(id), { method: 'GET' }, id);
});

test('schema/scenario.schema.json is what src/scenario-schema.ts renders (npm run readme), so the catalogue types are the checked ones', () => {
  const file = JSON.parse(readFileSync(new URL('../schema/scenario.schema.json', import.meta.url), 'utf8'));
  assert.deepEqual(file, scenarioSchemaDocument(), 'schema/scenario.schema.json is stale: run npm run readme');
});
