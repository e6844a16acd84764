import { Type, type Static } from 'typebox';
import { Attempt } from '../ledger/attempt.js';

/** Version tag of the verify report, also fixed by schema/verify-report.schema.json; a reader checks it first. */
export const VERIFY_REPORT_FORMAT = 'badorigin-verify-report/1';

const Ms = (description: string) => Type.Number({ minimum: 0, description: `${description}, in ms` });

/** The request `verify` sends through the intermediary for one listener (see `requestFor`). */
export const SentRequest = Type.Object({
  method: Type.Union([Type.Literal('GET'), Type.Literal('POST')]),
  url: Type.String({ description: 'Full URL, the probe suffix included.' }),
  bodyBytes: Type.Integer({ minimum: 0, description: 'Request body bytes (POST), written with backpressure.' }),
  maxBodyBytes: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], {
    description: 'Response body bytes read before the client ends the connection; null: the whole body.',
  }),
});

/** What the client of the intermediary saw for one request. */
export const ClientView = Type.Object({
  status: Type.Union([Type.Integer(), Type.Null()], { description: 'Status of the response head; null when none came.' }),
  headers: Type.Record(Type.String(), Type.String(), {
    description:
      'The response headers that identify an error (X-Cache, X-Badorigin-Error, Via, Server, CF-Ray, X-Amz-Cf-Id…), lower-case names.',
  }),
  bodyStart: Type.String({ description: 'The first 512 bytes of the body (UTF-8, invalid bytes replaced).' }),
  bodyBytes: Type.Integer({ minimum: 0, description: 'Body bytes received.' }),
  timeToHeadMs: Type.Union([Ms('From sending the request to the response head'), Type.Null()]),
  timeToEndMs: Ms('From sending the request to the end of the response or the error'),
  error: Type.Optional(
    Type.String({ description: 'Client-side error instead of or after the head (ECONNRESET, aborted, no answer within …).' }),
  ),
});

/** The timeout the intermediary applied, as the origin saw it (or, for connect-timeout, as the client saw it). */
export const AppliedTimeout = Type.Object({
  kind: Type.Union([Type.Literal('first-byte'), Type.Literal('mid-body'), Type.Literal('connect')]),
  ms: Ms(
    'first-byte: request head received to the close; mid-body: last body byte sent to the close; connect: client-side time to the error',
  ),
});

/** Figures derived from one listener's attempts and the client's view. */
export const Figures = Type.Object({
  attempts: Type.Integer({ minimum: 0, description: 'Connections (DNS: queries) attributed to the first ask of the probe.' }),
  requests: Type.Integer({ minimum: 0, description: 'HTTP request heads the farm read in the first ask.' }),
  retryIntervalsMs: Type.Array(Type.Number(), {
    description: 'Time between successive tries (request heads, or connections without one) of the first ask, in ms.',
  }),
  freshConnections: Type.Integer({ minimum: 0, description: 'Connections opened during the first ask.' }),
  reusedConnections: Type.Integer({ minimum: 0, description: 'Connections opened before the ask that carried one of its requests.' }),
  resentOnReused: Type.Boolean({
    description:
      'The intermediary sent the request again on a connection that had already carried it in this ask (a retry without a new connection).',
  }),
  appliedTimeout: Type.Union([AppliedTimeout, Type.Null()]),
  sni: Type.Union([Type.Object({ sent: Type.Boolean(), name: Type.Union([Type.String(), Type.Null()]) }), Type.Null()], {
    description: 'The SNI of the first ClientHello (RFC 6066 §3); null without a TLS ClientHello.',
  }),
  repeat: Type.Union(
    [
      Type.Object({
        asks: Type.Integer({ minimum: 2 }),
        statuses: Type.Array(Type.Union([Type.Integer(), Type.Null()])),
        originTries: Type.Array(Type.Integer({ minimum: 0 }), { description: 'Attempts that reached the origin, per ask.' }),
        errorReused: Type.Boolean({
          description: "A later ask got the first ask's error status without reaching the origin (cached or re-used).",
        }),
      }),
      Type.Null(),
    ],
    { description: 'With --repeat N > 1: what each ask got; null otherwise.' },
  ),
});

/** One comparison of a verdict. `unseen`: the client cannot see the value (no header, no --proxy-log). */
export const Check = Type.Object({
  field: Type.String({ description: 'status, response, xCache, log…' }),
  expected: Type.Unknown(),
  observed: Type.Unknown(),
  result: Type.Union([Type.Literal('match'), Type.Literal('mismatch'), Type.Literal('unseen')]),
});

/** The verdict of one listener against `expect.<profile>`. */
export const Verdict = Type.Object({
  result: Type.Union([Type.Literal('match'), Type.Literal('mismatch'), Type.Literal('unjudged')]),
  reason: Type.Optional(
    Type.String({ description: 'Why unjudged (no --expect, no expectation, the intermediary cannot reach the listener).' }),
  ),
  setting: Type.Optional(
    Type.String({
      description:
        'For an expectation that depends on a CDN setting: the value judged, as name=value, with (default) when --setting did not name it.',
    }),
  ),
  checks: Type.Array(Check),
});

/** One ask: a request through the intermediary and the attempts the farm attributed to it. */
export const Ask = Type.Object({
  sentAt: Type.Number({ description: 'ms since the epoch.' }),
  client: ClientView,
  attempts: Type.Array(Attempt),
});

/** Everything `verify` found for one listener. */
export const ListenerReport = Type.Object({
  id: Type.String(),
  scenario: Type.String(),
  transport: Type.String(),
  port: Type.Integer(),
  probe: Type.String({ description: 'The unique probe id sent as X-Badorigin-Probe and in the path.' }),
  request: SentRequest,
  asks: Type.Array(Ask, { minItems: 1 }),
  figures: Figures,
  logLines: Type.Array(Type.String(), { description: 'Lines of --proxy-log attributed to this listener, as compared.' }),
  verdict: Verdict,
});

/** The header of schema/verify-report.schema.json. */
const SCHEMA_HEADER = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://badorigin.dev/schema/verify-report.schema.json',
  title: `badorigin verify report (${VERIFY_REPORT_FORMAT})`,
  description:
    'What `badorigin verify` sent through an intermediary to each listener, what the client and the origin saw, and the verdict against the manifest.',
};

/** The whole report, as `--json` writes it and the library returns it. */
export const VerifyReport = Type.Object(
  {
    format: Type.Literal(VERIFY_REPORT_FORMAT),
    startedAt: Type.String({ description: 'ISO 8601.' }),
    durationMs: Ms('Whole run'),
    target: Type.String({ description: 'The --via base URL or the --route template.' }),
    profile: Type.Union([Type.String(), Type.Null()], { description: 'The --expect profile; null: observed, not judged.' }),
    farm: Type.String({ description: 'The farm observed: its control URL, or `in-process`.' }),
    repeat: Type.Integer({ minimum: 1 }),
    summary: Type.Object({
      listeners: Type.Integer({ minimum: 0 }),
      matched: Type.Integer({ minimum: 0 }),
      mismatched: Type.Integer({ minimum: 0 }),
      unjudged: Type.Integer({ minimum: 0 }),
    }),
    ok: Type.Boolean({ description: 'True when no listener mismatched.' }),
    listeners: Type.Array(ListenerReport),
  },
  SCHEMA_HEADER,
);

export type VerifyReport = Static<typeof VerifyReport>;
export type ListenerReport = Static<typeof ListenerReport>;
export type ClientView = Static<typeof ClientView>;
export type Figures = Static<typeof Figures>;
export type Verdict = Static<typeof Verdict>;
export type Check = Static<typeof Check>;
export type Ask = Static<typeof Ask>;
export type SentRequest = Static<typeof SentRequest>;

/** The JSON Schema text of the report (schema/verify-report.schema.json holds exactly this). */
export function verifyReportSchemaText(): string {
  return `${JSON.stringify({ ...SCHEMA_HEADER, ...VerifyReport }, null, 2)}\n`;
}
