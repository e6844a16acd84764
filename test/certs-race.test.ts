import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { curlArgs } from '../src/client-commands.js';
import { runClient } from '../src/clients/run-client.js';
import { readManifestFile } from '../src/manifest-schema.js';
import { tempDir } from './helpers/farm.js';
import { getWithOnlyCa } from './helpers/only-ca.js';
import { startServe } from './helpers/cli.js';
import { requireTool } from './helpers/tools.js';

/** A long-lived child process running test/fixtures/farm-child.ts; `send` writes one command and resolves with its reply. */
function farmChild(): { send(command: object): Promise<Record<string, unknown>>; child: ChildProcess } {
  const script = fileURLToPath(new URL('./fixtures/farm-child.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  const replies: ((value: Record<string, unknown>) => void)[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => replies.shift()?.(JSON.parse(line) as Record<string, unknown>));
  return {
    child,
    send(command) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no reply to ${JSON.stringify(command)} within 60 s`)), 60_000);
        replies.push((value) => {
          clearTimeout(timer);
          resolve(value);
        });
        child.stdin!.write(`${JSON.stringify(command)}\n`);
      });
    },
  };
}

describe('certs directory shared by several processes', () => {
  test('two processes starting a farm at once on one empty certs directory both serve the root on disk (20 races)', async (t) => {
    const { dir, remove } = tempDir();
    t.after(remove);
    const children = [farmChild(), farmChild()];
    t.after(() => children.forEach(({ child }) => child.kill()));
    for (let race = 0; race < 20; race++) {
      const certsDir = join(dir, `race-${race}`);
      mkdirSync(certsDir, { mode: 0o700 });
      const started = await Promise.all(children.map(({ send }) => send({ start: certsDir })));
      const rootCa = readFileSync(join(certsDir, 'root-ca.pem'), 'utf8');
      for (const [i, reply] of started.entries()) {
        assert.equal(typeof reply.port, 'number', `race ${race}, process ${i}: ${JSON.stringify(reply)}`);
        assert.equal(
          await getWithOnlyCa(reply.port as number, rootCa),
          '200',
          `race ${race}, process ${i}: tls-ok must verify with the root-ca.pem on disk`,
        );
      }
      await Promise.all(children.map(({ send }) => send({ close: true })));
    }
  });

  test('two serve processes racing on one empty certs directory both serve the root on disk (curl with only root-ca.pem)', async (t) => {
    if (!requireTool(t, 'curl')) return;
    const { dir, remove } = tempDir();
    t.after(remove);
    const certsDir = join(dir, 'certs');
    const serves = await Promise.all(
      [0, 1].map((i) =>
        startServe(
          [
            '--base-port',
            '0',
            '--only',
            'tls-ok',
            '--no-control',
            '--log-level',
            'silent',
            '--certs-dir',
            certsDir,
            '--manifest-out',
            join(dir, `manifest-${i}.json`),
          ],
          60_000,
        ),
      ),
    );
    t.after(() => serves.forEach((serve) => serve.child.kill('SIGKILL')));
    for (const i of [0, 1]) {
      const manifest = readManifestFile(join(dir, `manifest-${i}.json`));
      assert.equal(manifest.trust.rootCaFile, join(certsDir, 'root-ca.pem'));
      const curl = await runClient(curlArgs(manifest, manifest.listeners.find((l) => l.id === 'tls-ok')!));
      assert.equal(curl.exit, 0, `serve ${i}: ${curl.stderr}`);
      assert.equal(curl.stdout.trim(), '200');
    }
  });
});
