import { Type, type Static, type TSchema } from 'typebox';
import { CDN_EXPECTATION_SCHEMAS } from './cdn/expectation.js';
import { BehaviourSchema } from './listeners/behaviour.js';

// The schema of a scenario file, declared once: the catalogue's types are derived from it, and
// schema/scenario.schema.json (which Ajv compiles, editors read and the manifest schema refers to) is rendered from
// it by `npm run readme` (src/scenario-schema-document.ts); test/catalogue.test.ts fails when the file is stale.

const TextList = Type.Array(Type.String());
const Note = Type.String();
const Output = (description: string) => Type.Array(Type.String(), { minItems: 1, description });
const STALLS =
  'The client is still in the TLS handshake, waiting, when the reference harness kills it after the client timeout plus 3 s: it has no exit code of its own (no timeout option of its own, or none shorter).';
const Alert = (what: string) => Type.Integer({ minimum: 0, maximum: 255, description: `TLS alert number ${what}.` });
const Alternatives = <T extends TSchema>(item: T) => Type.Array(item, { minItems: 2, uniqueItems: true });

/** A source: `<document> § <section>`, or `observed`. */
export const SourceSchema = Type.String({ minLength: 1, description: "'<document> § <section>' or 'observed'." });

/** How the reference client connects, when it differs from the default. */
export const ConnectSchema = Type.Object(
  {
    sni: Type.Optional(
      Type.Union([Type.String(), Type.Null()], { description: "SNI to send; null = none; '{hostname}' = the farm hostname." }),
    ),
    certHostname: Type.Optional(
      Type.String({ description: "Name the client checks the certificate against; '{hostname}' = the farm hostname." }),
    ),
    trust: Type.Optional(Type.Enum(['root', 'intermediate'], { description: 'Which farm CA certificate the client trusts.' })),
  },
  {
    additionalProperties: false,
    description:
      'How the reference client connects, when it differs from the default (SNI and certificate hostname = the farm hostname, trust = the farm root).',
  },
);

/** What a reverse proxy reports for a listener that it reaches. */
export const ProxyOutcomeSchema = Type.Object(
  {
    status: Type.Union([Type.Integer(), Alternatives(Type.Integer())], {
      description:
        'HTTP status the proxy answers its client with (0: no response head). A list where several are observed depending on timing (each one observed here).',
    }),
    log: Type.Optional(
      Type.Union([Type.String(), Alternatives(Type.String())], {
        description:
          "The stable part of the line the proxy writes to its error log (nginx: the message without timestamp, pid, connection number and the client/upstream suffix; HAProxy: the generated log-format line without the backend name; Varnish: the FetchError records, joined by '; '). Absent = no line. A list where several lines are observed depending on timing (each one observed here).",
      }),
    ),
    source: SourceSchema,
    note: Type.Optional(Note),
  },
  { additionalProperties: false },
);

/** What `expect.<proxy>` means. */
export const PROXY_DESCRIPTION =
  "What a reverse proxy running the configuration of `badorigin config --for <proxy>` reports for this listener, observed by the conformance suite (test/conformance.test.ts) against the real proxy. null: the proxy cannot reach this listener (e.g. Varnish and a TLS listener), which a -tls variant uses to drop the plain listener's expectation.";

/** What a reverse proxy reports for a listener (null: it cannot reach it). */
export const ProxySchema = Type.Union([Type.Null(), ProxyOutcomeSchema], { description: PROXY_DESCRIPTION });

/** The proxy reporters, with what each is where the name alone does not say it. */
export const PROXY_REPORTERS = {
  nginx: undefined,
  haproxy: undefined,
  haproxyH2:
    'HAProxy with HTTP/2 to the origin: the generated configuration with `alpn h2` on the server line (test/http2-haproxy.test.ts).',
  apacheH2c:
    "Apache httpd 2.4 (mod_proxy_http2) with `ProxyPass /<listener id>/ h2c://<host>:<port>/`: cleartext HTTP/2 with prior knowledge to the listener's port (test/http2-apache.test.ts); status only, at the default log level it logs nothing.",
  haproxyH2c:
    "HAProxy with cleartext HTTP/2 to the origin: the generated configuration with each server line's `ssl …` settings replaced by `proto h2` (prior knowledge, the listener's port; test/http2-haproxy.test.ts).",
  caddyH2:
    "Caddy 2 with `reverse_proxy https://<host>:<port>` and `transport http { versions 2; tls_trusted_ca_certs <farm CA>; tls_server_name <sni> }`: HTTP/2 over TLS to the origin (test/http2-caddy.test.ts); the log is the `error` field of Caddy's `http.log.error` JSON line.",
  nginxGrpc:
    'nginx with HTTP/2 to the origin: the generated configuration with `grpc_pass grpcs://` for `proxy_pass https://` and the `proxy_ssl_*` and timeout settings under their `grpc_` names (test/http2-nginx-grpc.test.ts).',
  varnish: undefined,
} as const;

const proxy = (name: keyof typeof PROXY_REPORTERS) => {
  const description = PROXY_REPORTERS[name];
  return Type.Optional(description ? { ...ProxySchema, description } : ProxySchema);
};

const NodeExpectation = Type.Object(
  {
    code: Type.Union([Type.String(), Type.Null()], {
      description:
        'Error code of the reference Node client (an https/http request, or dns.Resolver resolve4 for DNS listeners); null = it succeeds.',
    }),
    message: Type.Optional(Type.String({ description: 'Text the error message contains, where the code alone is ambiguous.' })),
    note: Type.Optional(Note),
  },
  { additionalProperties: false },
);

const ExitCode = Type.Integer({ minimum: 0 });

/** Every reporter's expectation schema, by reporter. */
export const REPORTERS = {
  fastly: Type.Optional(CDN_EXPECTATION_SCHEMAS.fastly),
  cloudfront: Type.Optional(CDN_EXPECTATION_SCHEMAS.cloudfront),
  cloudflare: Type.Optional(CDN_EXPECTATION_SCHEMAS.cloudflare),
  akamai: Type.Optional(CDN_EXPECTATION_SCHEMAS.akamai),
  azureFrontDoor: Type.Optional(CDN_EXPECTATION_SCHEMAS.azureFrontDoor),
  bunny: Type.Optional(CDN_EXPECTATION_SCHEMAS.bunny),
  node: Type.Optional(NodeExpectation),
  curl: Type.Optional(
    Type.Object(
      {
        exit: Type.Union([ExitCode, Alternatives(ExitCode)], {
          description: "curl's exit code; a list where several are observed depending on timing.",
        }),
        note: Type.Optional(Note),
      },
      { additionalProperties: false },
    ),
  ),
  openssl: Type.Optional(
    Type.Object(
      {
        verifyCode: Type.Optional(ExitCode),
        verifyError: Type.Optional(Type.String()),
        exit: Type.Optional(Type.Integer({ minimum: 0, description: "s_client's exit code." })),
        alert: Type.Optional(Alert('s_client reports receiving (SSL alert number N)')),
        output: Type.Optional(Output('Texts s_client must print.')),
        stalls: Type.Optional(Type.Literal(true, { description: STALLS })),
        note: Type.Optional(Note),
      },
      {
        additionalProperties: false,
        description:
          'What the reference `openssl s_client` (commands.openssl) reports: the verify code for certificate faults, or the exit code, alert number and error text for protocol faults.',
        anyOf: [{ required: ['verifyCode', 'verifyError'] }, { required: ['exit'] }, { required: ['stalls'] }],
      },
    ),
  ),
  dig: Type.Optional(
    Type.Object(
      {
        status: Type.String({ description: "dig's status (NOERROR, NXDOMAIN, SERVFAIL, REFUSED), or 'timeout' when no reply comes." }),
        flags: Type.Optional(Type.Array(Type.String(), { description: 'Header flags dig must print (e.g. aa), lower case.' })),
        answers: Type.Optional(Type.Integer({ minimum: 0, description: 'ANSWER count dig prints.' })),
        note: Type.Optional(Note),
      },
      { additionalProperties: false, description: 'For DNS listeners: what the reference dig prints.' },
    ),
  ),
  nginx: proxy('nginx'),
  haproxy: proxy('haproxy'),
  haproxyH2: proxy('haproxyH2'),
  apacheH2c: proxy('apacheH2c'),
  haproxyH2c: proxy('haproxyH2c'),
  caddyH2: proxy('caddyH2'),
  nginxGrpc: proxy('nginxGrpc'),
  varnish: proxy('varnish'),
  gnutls: Type.Optional(
    Type.Object(
      {
        exit: Type.Optional(ExitCode),
        alert: Type.Optional(Alert('gnutls-cli reports receiving (Received alert [N])')),
        output: Type.Optional(Output('Texts gnutls-cli must print.')),
        stalls: Type.Optional(Type.Literal(true, { description: STALLS })),
        note: Type.Optional(Note),
      },
      {
        additionalProperties: false,
        description: 'What the reference gnutls-cli (default priority) reports.',
        anyOf: [{ required: ['exit'] }, { required: ['stalls'] }],
      },
    ),
  ),
  nghttp: Type.Optional(
    Type.Object(
      { exit: ExitCode, output: Type.Optional(Output('Texts nghttp must print (frame lines or errors).')), note: Type.Optional(Note) },
      {
        additionalProperties: false,
        description:
          'What nghttp (Debian nghttp2-client: nghttp -nv -t 5 https://<hostname>:<port>/, GET /) reports against an HTTP/2 listener; it exits 0 even when the request fails.',
      },
    ),
  ),
};

/** What each CDN, proxy and client reports, by reporter (a `-tls` variant's, which replace the plain listener's). */
export const ReportersSchema = Type.Object(REPORTERS, {
  additionalProperties: false,
  description: 'What each CDN, proxy and client reports, by reporter.',
});

/** A scenario's `expect`: the reporters, `node` required (`curl` too but for DNS, which the catalogue checks). */
export const ExpectSchema = Type.Object({ ...REPORTERS, node: NodeExpectation }, { additionalProperties: false });

/** A scenario's `tls` block: it is also served over TLS as `<id>-tls`. */
export const TlsSchema = Type.Object(
  {
    expect: ReportersSchema,
    notes: Type.Optional(TextList),
    terminate: Type.Optional(
      Type.Boolean({
        default: true,
        description:
          'false: the farm does not terminate TLS in front of the mechanism; the client speaks TLS to the raw behaviour (faults before any handshake, e.g. close-on-connect-tls).',
      }),
    ),
  },
  {
    additionalProperties: false,
    description:
      "Also serve this scenario to TLS clients, as listener '<id>-tls' at offset + 100, because CDNs reach origins both ways: by default the farm terminates TLS with a valid farm certificate (or --tls-cert) in front of the mechanism. Its expectations replace those of the plain listener, reporter by reporter.",
  },
);

/** The properties of a scenario file. */
export const SCENARIO_PROPERTIES = {
  id: Type.String({ pattern: '^[a-z0-9]+(-[a-z0-9]+)*$', description: 'Stable kebab-case id naming the failure.' }),
  offset: Type.Integer({
    minimum: 0,
    maximum: 299,
    not: { minimum: 100, maximum: 199 },
    description: "Port offset from the base port, 0-99 or 200-299; a '-tls' variant takes offset + 100.",
  }),
  family: Type.Enum(['certificate', 'protocol', 'connection', 'dns', 'http', 'http2']),
  title: Type.String({ minLength: 1 }),
  fault: Type.String({ minLength: 1, description: 'What the listener does, in one or two sentences.' }),
  mechanism: Type.String({ description: 'Name of a mechanism registered in src/listeners/index.ts.' }),
  params: Type.Record(Type.String(), Type.Unknown()),
  connect: Type.Optional(ConnectSchema),
  expect: ExpectSchema,
  notes: Type.Optional(TextList),
  sources: Type.Array(Type.String(), {
    description: "Sections of the CDN documents this scenario reproduces: '<document> § <section>'.",
  }),
  tls: Type.Optional(TlsSchema),
  behaviour: Type.Optional(BehaviourSchema),
};

/** One scenario file. */
export const ScenarioSchema = Type.Object(SCENARIO_PROPERTIES, { additionalProperties: false });

/** A scenario document as the schema checks it. */
export type ScenarioDocument = Static<typeof ScenarioSchema>;
