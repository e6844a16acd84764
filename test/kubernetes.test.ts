import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Deployment } from 'kubernetes-models/apps/v1';
import { ConfigMap, PersistentVolumeClaim, Service } from 'kubernetes-models/v1';
import { load, loadAll } from 'js-yaml';
import { runCli } from './helpers/cli.js';
import { tempDir } from './helpers/farm.js';

const DIR = fileURLToPath(new URL('../deploy/kubernetes/', import.meta.url));

/** The model (and so the JSON Schema) of each kind deploy/kubernetes/ may hold. */
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'apps/v1/Deployment': Deployment,
};

type Doc = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec?: never;
  data?: Record<string, string>;
};

function documents(): { file: string; doc: Doc }[] {
  return readdirSync(DIR)
    .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
    .flatMap((file) => loadAll(readFileSync(join(DIR, file), 'utf8'), { filename: file }).map((doc) => ({ file, doc: doc as Doc })))
    .filter(({ doc }) => doc !== null);
}

/** RFC 6335 §5.1 service name, which Kubernetes requires of a named port (IANA_SVC_NAME): ≤ 15 characters. */
const IANA_SVC_NAME = /^(?=.{1,15}$)(?=.*[a-z])[a-z0-9]+(-[a-z0-9]+)*$/;

describe('deploy/kubernetes', () => {
  const docs = documents();
  const find = (kind: string, name: string) =>
    docs.find((d) => d.doc.kind === kind && d.doc.metadata.name === name)?.doc as unknown as Record<string, any>;

  test('every document validates against the Kubernetes schema of its kind', () => {
    assert.ok(docs.length >= 5, `only ${docs.length} documents`);
    for (const { file, doc } of docs) {
      const Model = MODELS[`${doc.apiVersion}/${doc.kind}`];
      assert.ok(Model, `${file}: no schema for ${doc.apiVersion} ${doc.kind}`);
      assert.doesNotThrow(() => new Model(doc as never).validate(), `${file}: ${doc.kind} ${doc.metadata.name}`);
    }
  });

  test('the validator refuses a broken document (a Deployment without a selector, a port of an unknown protocol)', () => {
    const deployment = structuredClone(find('Deployment', 'badorigin'));
    delete deployment.spec.selector;
    assert.throws(() => new Deployment(deployment as never).validate(), /selector/);
    const service = structuredClone(find('Service', 'badorigin'));
    service.spec.ports[0].protocol = 'QUIC';
    assert.throws(() => new Service(service as never).validate(), /protocol/);
  });

  test('the kustomization lists every file, and every name it refers to exists', () => {
    const kustomization = load(readFileSync(join(DIR, 'kustomization.yaml'), 'utf8')) as { resources: string[] };
    assert.deepEqual([...kustomization.resources].sort(), [...new Set(docs.map((d) => d.file))].sort());
    const deployment = find('Deployment', 'badorigin');
    const pod = deployment.spec.template;
    for (const service of docs.filter((d) => d.doc.kind === 'Service')) {
      const selector = (service.doc.spec as unknown as { selector: Record<string, string> }).selector;
      for (const [k, v] of Object.entries(selector))
        assert.equal(pod.metadata.labels[k], v, `${service.doc.metadata.name} selects the farm's pod`);
    }
    const volumes = pod.spec.volumes as { name: string; configMap?: { name: string }; persistentVolumeClaim?: { claimName: string } }[];
    assert.ok(find('ConfigMap', volumes.find((v) => v.configMap)!.configMap!.name));
    assert.ok(find('PersistentVolumeClaim', volumes.find((v) => v.persistentVolumeClaim)!.persistentVolumeClaim!.claimName));
    const container = pod.spec.containers[0];
    assert.deepEqual(container.args, ['--config', '/etc/badorigin/config.json']);
    assert.equal(
      container.volumeMounts.find((m: { name: string }) => m.name === 'certs').mountPath,
      '/certs',
      'the Dockerfile keeps certificates in /certs',
    );
    assert.ok(container.env.some((e: { name: string }) => e.name === 'BADORIGIN_CONTROL_TOKEN'));
  });

  test('every named port is a valid IANA_SVC_NAME and unique within its Service', () => {
    for (const { doc } of docs.filter((d) => d.doc.kind === 'Service')) {
      const ports = (doc.spec as unknown as { ports: { name: string }[] }).ports;
      for (const { name } of ports) assert.match(name, IANA_SVC_NAME, `${doc.metadata.name}: port name ${name}`);
      assert.equal(new Set(ports.map((p) => p.name)).size, ports.length);
    }
  });

  test('config.json is a farm configuration the CLI takes, and service.yaml exposes exactly the ports of that farm', async () => {
    const work = tempDir('badorigin-k8s-');
    try {
      const config = join(work.dir, 'config.json');
      writeFileSync(config, find('ConfigMap', 'badorigin-config').data['config.json']);
      const manifestFile = join(work.dir, 'manifest.json');
      // The image's ENTRYPOINT adds --host 0.0.0.0; the token comes from the Secret at run time.
      const manifest = await runCli(['manifest', '--format', 'json', '--host', '0.0.0.0', '--config', config]);
      assert.equal(manifest.exit, 0, manifest.stderr);
      writeFileSync(manifestFile, manifest.stdout);
      const parsed = JSON.parse(manifest.stdout) as { hostname: string; control: { url: string } };
      assert.equal(parsed.hostname, 'origin.example.com');
      assert.match(parsed.control.url, /:9399$/);
      const generated = await runCli(['config', '--for', 'kubernetes-service', '--manifest', manifestFile]);
      assert.equal(generated.exit, 0, generated.stderr);
      assert.equal(
        readFileSync(join(DIR, 'service.yaml'), 'utf8'),
        generated.stdout,
        'regenerate deploy/kubernetes/service.yaml (deploy/kubernetes/README.md)',
      );
    } finally {
      work.remove();
    }
  });
});
