import type { CdnKey } from './expectation.js';

/** One setting an outcome may depend on: its values (described), the default, and where the default is stated. */
export interface CdnSetting {
  /** The name scenario files use under `expect.<cdn>.setting`. */
  name: string;
  /** What a user sets, and where. */
  what: string;
  /** Each value a scenario may give an outcome for, with what it means here. */
  values: Record<string, string>;
  default: string;
  /** `<document> § <section>` stating the default, or why the default is the one taken. */
  defaultSource: string;
}

/**
 * The settings CDN outcomes depend on, per CDN (fastly's `ssl_check_cert`, Cloudflare's SSL mode, and for CloudFront
 * the farm's own `--tls-cert`, since CloudFront has no field for a private CA). The catalogue refuses an expectation
 * naming another setting, value or default.
 */
export const CDN_SETTINGS: Partial<Record<CdnKey, CdnSetting[]>> = {
  fastly: [
    {
      name: 'ssl_check_cert',
      what: 'the backend\'s "Be strict about checking SSL certs" (Terraform ssl_check_cert, VCL .ssl_check_cert)',
      values: { true: 'the certificate is checked against the "TLS CA certificate" (the farm root, pasted there)', false: 'not checked' },
      default: 'true',
      defaultSource:
        'fastly-backend-timeouts § fastly_service_vcl (Terraform resource) - Nested Schema for backend (defaults) ("ssl_check_cert (Boolean) Be strict about checking SSL certs. Default true")',
    },
  ],
  cloudfront: [
    {
      name: 'tls-cert',
      what: "the farm's --tls-cert: which certificate a listener that needs a valid one serves (the manifest's `certificate`)",
      values: {
        farm: 'a leaf of the farm CA, which CloudFront does not trust',
        user: 'your publicly trusted certificate (--tls-cert, --tls-key)',
      },
      default: 'farm',
      defaultSource: 'the farm serves its own CA unless --tls-cert is given',
    },
  ],
  cloudflare: [
    {
      name: 'ssl-mode',
      what: 'the zone\'s SSL/TLS encryption mode (API setting "ssl")',
      values: {
        strict: 'Full (strict), with the farm root in the Custom Origin Trust Store (or --tls-cert)',
        full: 'Full: the certificate is not validated',
      },
      default: 'strict',
      defaultSource:
        'Cloudflare\'s documents here do not say which mode a zone starts in; the manifest takes Full (strict), which they recommend "whenever possible" (cloudflare-ssl-mode-full-strict § Use when)',
    },
  ],
};

/**
 * Problems of a scenario's by-setting expectation against the register: unknown setting, a value the setting lacks, a
 * default that is not the register's, a single value. Empty when it agrees.
 */
export function settingProblems(
  cdn: CdnKey,
  expectation: { setting: string; default: string; outcomes: Record<string, unknown> },
): string[] {
  const setting = CDN_SETTINGS[cdn]?.find((s) => s.name === expectation.setting);
  if (!setting)
    return [
      `expect.${cdn}.setting '${expectation.setting}' is not a setting of ${cdn} (known: ${(CDN_SETTINGS[cdn] ?? []).map((s) => s.name).join(', ') || 'none'})`,
    ];
  const problems = Object.keys(expectation.outcomes)
    .filter((value) => !(value in setting.values))
    .map((value) => `expect.${cdn}.outcomes has '${value}', not a value of ${setting.name} (${Object.keys(setting.values).join(', ')})`);
  if (expectation.default !== setting.default)
    problems.push(`expect.${cdn}.default is '${expectation.default}', but ${setting.name} defaults to '${setting.default}'`);
  if (!(setting.default in expectation.outcomes)) problems.push(`expect.${cdn}.outcomes lacks the default '${setting.default}'`);
  if (Object.keys(expectation.outcomes).length < 2) problems.push(`expect.${cdn}.outcomes has one value: give a single outcome instead`);
  return problems;
}

/** The settings table of docs/cdns.md (between its `settings` markers): CDN, setting, values, default and its source. */
export function renderSettingsTable(names: Record<string, string>): string {
  const cell = (text: string) => text.replaceAll('|', '\\|');
  const rows = Object.entries(CDN_SETTINGS).flatMap(([cdn, settings]) =>
    settings.map((s) => {
      const values = Object.entries(s.values)
        .map(([value, meaning]) => `\`${value}\`: ${meaning}`)
        .join('; ');
      return `| ${names[cdn] ?? cdn} | \`${s.name}\`: ${cell(s.what)} | ${cell(values)} | \`${s.default}\` | ${cell(s.defaultSource)} |`;
    }),
  );
  return ['| CDN | setting | values | default | why that default |', '|---|---|---|---|---|', ...rows].join('\n');
}
