import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { runCli } from './helpers/cli.js';
import { freePort } from './helpers/proxies.js';
import { useFarm } from './helpers/farm.js';

/** Exit code 2 and exactly one line on standard error, matching `pattern`. */
function assertUsageError(result: { exit: number | null; stderr: string; stdout: string }, pattern: RegExp): void {
  assert.equal(result.exit, 2, result.stderr);
  const lines = result.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, result.stderr);
  assert.match(lines[0]!, /^badorigin: /);
  assert.match(lines[0]!, pattern);
  assert.equal(result.stdout, '');
}

/** A TCP server on 127.0.0.1 that accepts and closes every connection: a port that is open, but no intermediary. */
function openPort(): Promise<Server> {
  return new Promise((resolve) => {
    const server = createServer((socket) => socket.destroy());
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

describe('verify: bad usage exits 2 with one line', () => {
  let closed: number;
  before(async () => {
    closed = await freePort();
  });

  test('without --via or --route', async () => {
    assertUsageError(await runCli(['verify', '--farm', 'http://127.0.0.1:1']), /--via is required \(or --route TEMPLATE\)/);
  });

  test('with both --via and --route, or neither --farm nor --start, or both', async () => {
    assertUsageError(
      await runCli(['verify', '--via', 'http://127.0.0.1:1/', '--route', 'http://{id}.x/', '--farm', 'http://127.0.0.1:1']),
      /--via and --route cannot go together/,
    );
    assertUsageError(await runCli(['verify', '--via', 'http://127.0.0.1:1/']), /--farm is required \(or --start\)/);
    assertUsageError(
      await runCli(['verify', '--via', 'http://127.0.0.1:1/', '--farm', 'http://127.0.0.1:1', '--start']),
      /--farm and --start cannot go together/,
    );
  });

  test('an unknown --expect profile, a --repeat of 0, a --via that is no URL', async () => {
    assertUsageError(
      await runCli(['verify', '--via', 'http://127.0.0.1:1/', '--farm', 'http://127.0.0.1:1', '--expect', 'akamia']),
      /Invalid values: Argument: expect, Given: "akamia", Choices: .*"nginx"/,
    );
    assertUsageError(
      await runCli(['verify', '--via', 'http://127.0.0.1:1/', '--farm', 'http://127.0.0.1:1', '--repeat', '0']),
      /--repeat must be a whole number of at least 1, not 0/,
    );
    assertUsageError(
      await runCli(['verify', '--via', 'not a url', '--farm', 'http://127.0.0.1:1']),
      /--via "not a url" is not an absolute URL$/,
    );
    assertUsageError(
      await runCli(['verify', '--via', 'ftp://127.0.0.1/files', '--farm', 'http://127.0.0.1:1']),
      /--via "ftp:\/\/127\.0\.0\.1\/files" is not an http or https URL$/,
    );
    assertUsageError(
      await runCli(['verify', '--route', 'ftp://{id}.example/', '--farm', 'http://127.0.0.1:1']),
      /--route "ftp:\/\/\{id\}\.example\/" is not an http or https URL$/,
    );
  });

  test('an intermediary at a closed port is unreachable: exit 2 before any farm is opened', async () => {
    const result = await runCli(['verify', '--via', `http://127.0.0.1:${closed}`, '--farm', 'http://127.0.0.1:1', '--expect', 'nginx']);
    assertUsageError(
      result,
      new RegExp(
        `the intermediary at http://127\\.0\\.0\\.1:${closed} cannot be reached \\(ECONNREFUSED\\): is it running, and is --via right\\?$`,
      ),
    );
  });

  test('a --farm whose control API does not answer', async (t) => {
    const via = await openPort();
    t.after(() => via.close());
    const result = await runCli([
      'verify',
      '--via',
      `http://127.0.0.1:${(via.address() as { port: number }).port}`,
      '--farm',
      `http://127.0.0.1:${closed}`,
    ]);
    assertUsageError(
      result,
      new RegExp(`cannot read the attempt ledger of the farm at http://127\\.0\\.0\\.1:${closed} \\(GET /manifest\\.json: ECONNREFUSED\\)`),
    );
  });
});

describe('verify: ids the running farm does not have', () => {
  const fixture = useFarm({ only: ['http-ok'] });
  let via: Server;
  before(async () => {
    via = await openPort();
  });
  after(() => via.close());

  test('--only names a listener the farm behind --farm does not run: exit 2 listing the ids it has', async () => {
    const port = (via.address() as { port: number }).port;
    const result = await runCli([
      'verify',
      '--via',
      `http://127.0.0.1:${port}`,
      '--farm',
      fixture.farm.control!.url,
      '--only',
      'cert-expried',
    ]);
    assertUsageError(result, /unknown scenario or listener id cert-expried; scenario ids \(each means all its listeners\): http-ok/);
  });

  test('an intermediary unreachable at the --route template: the error names --route', async () => {
    const closed = await freePort();
    const result = await runCli(['verify', '--route', `http://127.0.0.1:${closed}/{id}/`, '--farm', fixture.farm.control!.url]);
    assertUsageError(result, /cannot be reached \(ECONNREFUSED\): is it running, and is --route right\?$/);
  });
});
