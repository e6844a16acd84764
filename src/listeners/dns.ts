import { isIP } from 'node:net';
import { DnsServer } from './dns/server.js';
import { DNS_BEHAVIOURS } from './dns/answers.js';
import { Type, type Static } from 'typebox';
import { defineMechanism, type GroupMember } from './define-mechanism.js';
import type { PortOwner } from './mechanism.js';
import { MAX_DELAY_MS } from './caps.js';

/** `params` of the `dns` mechanism: one name of the farm's zone and how the server answers for it. */
export const DnsParams = Type.Object(
  {
    /** Label under the zone, e.g. `nxdomain` for `nxdomain.<zone>`. */
    label: Type.String({ pattern: '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$' }),
    behaviour: Type.Enum(DNS_BEHAVIOURS),
    /** `slow`: delay of the answer in ms (default 3000). */
    delayMs: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_DELAY_MS })),
  },
  { additionalProperties: false },
);
export type DnsParams = Static<typeof DnsParams>;

function createGroup(members: GroupMember<DnsParams>[]): PortOwner {
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
}

/**
 * DNS faults from one embedded authoritative server (UDP and TCP on one port, `--dns-port`, default base + 0) for
 * `--dns-zone` (default `origin.test`): every `dns` scenario adds one name to it, so all of them share the port.
 * Reproduces Fastly's "Gethostbyname" (fastly-tls-origin-configuration-messages § Connection failures) and
 * cloudfront-502-origin-connection § CloudFront Was Not Able to Resolve Your Origin Domain Due to DNS Issues.
 */
export const dnsMechanism = defineMechanism({
  name: 'dns',
  transport: 'dns',
  params: DnsParams,
  dnsName: { query: (params, names) => ({ name: `${params.label}.${names.dnsZone}`, type: 'A' }) },
  sharedPort: { createGroup },
  create: (params, context) => createGroup([{ params, context }]),
});
