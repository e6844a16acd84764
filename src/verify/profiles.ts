import { readFileSync } from 'node:fs';
import { packagePath } from '../paths.js';

interface SchemaNode {
  $ref?: string;
  required?: string[];
  oneOf?: SchemaNode[];
  anyOf?: SchemaNode[];
}

let cached: string[] | undefined;

/**
 * The `--expect` profiles: every reporter of schema/scenario.schema.json whose expectation must name a `source`
 * (the CDNs and proxies, which sit between a client and the origin), in the schema's order. The reference clients
 * (node, curl, openssl, dig, gnutls) have no source and are judged by `probe` and the tests, not through an
 * intermediary. A CDN the schema gains is a profile without a change here.
 */
export function intermediaryProfiles(): string[] {
  if (cached) return cached;
  const schema: { definitions: Record<string, SchemaNode & { properties?: Record<string, SchemaNode> }> } = JSON.parse(
    readFileSync(packagePath('schema/scenario.schema.json'), 'utf8'),
  );
  const needsSource = (node: SchemaNode): boolean => {
    const resolved = node.$ref ? schema.definitions[node.$ref.replace('#/definitions/', '')] : node;
    if (!resolved) return false;
    return Boolean(resolved.required?.includes('source')) || [...(resolved.oneOf ?? []), ...(resolved.anyOf ?? [])].some(needsSource);
  };
  const reporters = schema.definitions.reporters?.properties ?? {};
  cached = Object.entries(reporters)
    .filter(([, node]) => needsSource(node))
    .map(([name]) => name);
  return cached;
}
