import { isIP } from 'node:net';
import { DnsServer } from './dns/server.js';
import type { DnsBehaviour } from './dns/answers.js';
import type { Mechanism, MechanismContext, PortOwner } from './mechanism.js';

/** `params` of the `dns` mechanism: one name of the farm's zone and how the server answers for it. */
export interface DnsParams {
  /** Label under the zone, e.g. `nxdomain` for `nxdomain.<zone>`. */
  label: string;
  behaviour: DnsBehaviour;
  /** `slow`: delay of the answer in ms (default 3000). */
  delayMs?: number;
}

/**
 * DNS faults from one embedded authoritative server (UDP and TCP on one port, `--dns-port`, default base + 0) for
 * `--dns-zone` (default `origin.test`): every `dns` scenario adds one name to it, so all of them share the port.
 * Reproduces Fastly's "Gethostbyname" (fastly-tls-origin-configuration-messages § Connection failures) and
 * cloudfront-502-origin-connection § CloudFront Was Not Able to Resolve Your Origin Domain Due to DNS Issues.
 */
export const dnsMechanism: Mechanism<DnsParams> = {
  name: 'dns',
  transport: 'dns',
  paramsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['label', 'behaviour'],
    properties: {
      label: { type: 'string', pattern: '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$' },
      behaviour: { enum: ['ok', 'nxdomain', 'servfail', 'refused', 'timeout', 'truncated', 'slow', 'cname-loop', 'empty'] },
      delayMs: { type: 'integer', minimum: 0, maximum: 600_000 },
    },
  },
  leafSpecs: () => [],
  servesValidLeaf: () => false,
  query: (params, names) => ({ name: `${params.label}.${names.dnsZone}`, type: 'A' }),
  create(params, context) {
    return dnsMechanism.createGroup!([{ params, context }]);
  },
  createGroup(members: { params: DnsParams; context: MechanismContext }[]): PortOwner {
    const first = members[0]!.context;
    const zone = {
      apex: first.names.dnsZone,
      names: members.map(({ params }) => ({ label: params.label, behaviour: params.behaviour, delayMs: params.delayMs })),
      publicIps: first.names.hostnames.filter((name) => isIP(name)),
    };
    const byLabel = new Map(members.map(({ params, context }) => [params.label, context.emit]));
    // cname-loop's partner name (`<label>-2`) belongs to the cname-loop listener too.
    for (const { params, context } of members) if (params.behaviour === 'cname-loop') byLabel.set(`${params.label}-2`, context.emit);
    // The port's own events (malformed messages, TCP caps) go to the control name's listener, which no fault owns.
    const port = (members.find(({ params }) => params.behaviour === 'ok') ?? members[0]!).context.emit;
    return new DnsServer('dns', zone, { forLabel: (label) => byLabel.get(label), port }, first.caps, first.connectionBudget);
  },
};
