/**
 * The placeholders scenario files may use, so that one catalogue serves any `--hostname`:
 * `{hostname}` stands for every farm hostname where a list is meant (SANs, SNI names) and for the first one inside a
 * single value; `{ips}` stands for the farm's IP addresses (127.0.0.1, ::1 and a specific bind address).
 */
export interface FarmNames {
  /** Farm hostnames, first = primary. */
  hostnames: string[];
  ips: string[];
  /** The zone the embedded DNS server is authoritative for (`--dns-zone`), lower case, no trailing dot. */
  dnsZone: string;
}

/** Expands a list entry: `{hostname}` → every hostname, `{ips}` → every IP, anything else → itself (with `{hostname}` = primary). */
export function expandNames(value: string, names: Pick<FarmNames, 'hostnames' | 'ips'>): string[] {
  if (value === '{hostname}') return names.hostnames;
  if (value === '{ips}') return names.ips;
  return [expandPrimary(value, names.hostnames)];
}

/** Replaces `{hostname}` in a single value with the primary hostname. */
export function expandPrimary(value: string, hostnames: string[]): string {
  return value.replaceAll('{hostname}', hostnames[0]!);
}
