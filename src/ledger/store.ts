import type { ActionKind, Attempt, ClientHelloRecord, RequestRecord, ResponseRecord, ServerHelloRecord } from './attempt.js';

/** Most requests one attempt keeps (a kept-alive connection may carry any number); later ones are only counted. */
export const MAX_REQUESTS_PER_ATTEMPT = 32;
/** Most response heads one attempt keeps; later ones are only counted. */
export const MAX_RESPONSES_PER_ATTEMPT = 32;
/** Most actions one attempt keeps; later ones are only counted. */
export const MAX_ACTIONS_PER_ATTEMPT = 32;
/** Recorded text one listener may hold per attempt of its bound, on average, in bytes (see `ListenerLedger`). */
export const TEXT_BYTES_PER_ATTEMPT = 4096;
/** Recorded text one listener may always hold, however small its bound, in bytes. */
const MIN_TEXT_BYTES = 1 << 20;

/**
 * A request as kept: the request line and the header fields as one string, `METHOD target` then `name:value` lines,
 * joined by LF (a third of the memory of arrays of strings; a method and a target have no space, a field name no
 * `:`, and a parsed value no LF: RFC 9112 §3, RFC 9110 §5.1, §5.5). Being built anew, it keeps no larger string
 * alive (a substring of the request head would keep the whole head).
 */
interface StoredRequest {
  at: number;
  text: string;
  probe?: string;
}

/** The text of a request (see `StoredRequest`); an LF that got into a value anyway becomes a space. */
function requestText(method: string, target: string, headers: RequestRecord['headers']): string {
  const line = (name: string, value: string) => `${name}:${value.includes('\n') ? value.replaceAll('\n', ' ') : value}`;
  return [`${method} ${target}`, ...headers.map(([name, value]) => line(name, value))].join('\n');
}

/** The request of `requestText`'s string. */
function parseRequest({ at, text, probe }: StoredRequest): RequestRecord {
  const [first = '', ...lines] = text.split('\n');
  const space = first.indexOf(' ');
  const headers = lines.map((line): [string, string] => {
    const colon = line.indexOf(':');
    return [line.slice(0, colon), line.slice(colon + 1)];
  });
  return { at, method: first.slice(0, space), target: first.slice(space + 1), headers, ...(probe === undefined ? {} : { probe }) };
}

/**
 * A response head as kept: the status line and the header fields as one string, like a request's (`StoredRequest`);
 * the farm's own head parser split the lines, so no line holds an LF and no field name a colon.
 */
interface StoredResponse extends Omit<ResponseRecord, 'statusLine' | 'headers'> {
  text: string;
}

function storedResponse({ statusLine, headers, ...rest }: ResponseRecord): StoredResponse {
  return { ...rest, text: [statusLine, ...headers.map(([name, value]) => `${name}:${value}`)].join('\n') };
}

function parseResponse({ text, ...rest }: StoredResponse): ResponseRecord {
  const [statusLine = '', ...lines] = text.split('\n');
  const headers = lines.map((line): [string, string] => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1)]);
  return { ...rest, statusLine, headers };
}

/**
 * A copy of a short ASCII string (a probe id) that keeps no larger string alive: V8 may hold a substring as a
 * pointer into the string it was cut from, here the whole request head.
 */
export function detached(text: string): string {
  return Buffer.from(text, 'latin1').toString('latin1');
}

/** Most distinct ClientHello texts shared between attempts (one intermediary sends the same ClientHello each time). */
const SHARED_HELLOS = 256;
const sharedHellos = new Map<string, string>();

/** One copy of each ClientHello text among the last SHARED_HELLOS distinct ones. */
function shared(text: string): string {
  const known = sharedHellos.get(text);
  if (known !== undefined) return known;
  if (sharedHellos.size >= SHARED_HELLOS) sharedHellos.clear();
  sharedHellos.set(text, text);
  return text;
}

/** An attempt as kept: the parts that are many small values (ClientHello, header fields) as one string each. */
export interface StoredAttempt extends Omit<Attempt, 'requests' | 'clientHello' | 'responses'> {
  requests: StoredRequest[];
  responses?: StoredResponse[];
  clientHelloJson?: string;
  /** True once a request named the probe: a window no longer decides it. */
  probeFromRequest: boolean;
  /** Requests read that named no probe, and whether all of them were health checks (see `windowKeeps`). */
  unnamedRequests: number;
  allHealthChecks: boolean;
  /** The `requestsNamed` of the window that gave the attempt its probe. */
  windowRequestsNamed: boolean;
  /** Time of the latest event of the attempt (ms since the epoch), for `since`. */
  lastAt: number;
  /** Approximate bytes of text recorded (targets, header fields, ClientHello, actions). */
  textBytes: number;
}

/** Adds a request (or counts it, past MAX_REQUESTS_PER_ATTEMPT); returns the bytes of text it added. */
export function addRequest(attempt: StoredAttempt, request: RequestRecord): number {
  if (attempt.requests.length >= MAX_REQUESTS_PER_ATTEMPT) {
    attempt.requestsOmitted = (attempt.requestsOmitted ?? 0) + 1;
    return 0;
  }
  const stored: StoredRequest = { at: request.at, text: requestText(request.method, request.target, request.headers) };
  if (request.probe !== undefined) stored.probe = detached(request.probe);
  // A new array of the exact length: the first push into an empty one reserves room for 17.
  attempt.requests = [...attempt.requests, stored];
  return stored.text.length;
}

/** Adds a response head (or counts it, past MAX_RESPONSES_PER_ATTEMPT); returns the bytes of text it added. */
export function addResponse(attempt: StoredAttempt, response: ResponseRecord): number {
  const responses = attempt.responses ?? [];
  if (responses.length >= MAX_RESPONSES_PER_ATTEMPT) {
    attempt.responsesOmitted = (attempt.responsesOmitted ?? 0) + 1;
    return 0;
  }
  const stored = storedResponse(response);
  attempt.responses = [...responses, stored];
  return stored.text.length;
}

/**
 * Adds an action (or counts it, past MAX_ACTIONS_PER_ATTEMPT): the listener's `fault` detail, with `alert` the
 * alert it sent, or with `kind` the error of a `tls-error` or `handler-error`. Returns the bytes of text it added.
 */
export function addAction(attempt: StoredAttempt, at: number, detail: string, kind?: ActionKind, alert?: number): number {
  if (attempt.actions.length >= MAX_ACTIONS_PER_ATTEMPT) {
    attempt.actionsOmitted = (attempt.actionsOmitted ?? 0) + 1;
    return 0;
  }
  const action: Attempt['actions'][number] = { at, detail };
  if (kind !== undefined) action.kind = kind;
  if (alert !== undefined) action.alert = alert;
  attempt.actions = [...attempt.actions, action];
  return detail.length;
}

/**
 * Sets what the farm's TLS server sent: the chain's summary is the listener's own, shared by all its attempts (so not
 * counted); returns the bytes of text it added.
 */
export function setServerHello(attempt: StoredAttempt, hello: ServerHelloRecord): number {
  attempt.serverHello = hello;
  return hello.version.length + (hello.cipher?.length ?? 0) + (hello.alpn?.length ?? 0);
}

/** Sets the ClientHello, read at `at` (ms since the epoch); returns the bytes of text it added. */
export function setClientHello(attempt: StoredAttempt, hello: ClientHelloRecord, at: number): number {
  attempt.clientHelloJson = shared(JSON.stringify(hello));
  attempt.clientHelloAt = at;
  return attempt.clientHelloJson.length;
}

/** A stored attempt without the ledger's own bookkeeping fields. */
function withoutBookkeeping(
  stored: StoredAttempt,
): Omit<StoredAttempt, 'probeFromRequest' | 'unnamedRequests' | 'allHealthChecks' | 'windowRequestsNamed' | 'lastAt' | 'textBytes'> {
  const {
    probeFromRequest: _p,
    unnamedRequests: _u,
    allHealthChecks: _h,
    windowRequestsNamed: _w,
    lastAt: _l,
    textBytes: _t,
    ...rest
  } = stored;
  return rest;
}

/**
 * The record of a stored attempt, as `Attempt` describes it (a fresh object the caller may keep), belonging to
 * `probe` (the ledger's decision, see `windowKeeps`: the stored one, or none).
 */
export function toAttempt(stored: StoredAttempt, probe: string | undefined): Attempt {
  const { requests, responses, clientHelloJson, actions, probe: _stored, ...rest } = withoutBookkeeping(stored);
  const attempt: Attempt = {
    ...rest,
    ...(probe === undefined ? {} : { probe }),
    requests: requests.map(parseRequest),
    actions: actions.map((action) => ({ ...action })),
  };
  if (responses) attempt.responses = responses.map(parseResponse);
  if (rest.serverHello) attempt.serverHello = structuredClone(rest.serverHello);
  if (clientHelloJson !== undefined) attempt.clientHello = JSON.parse(clientHelloJson) as ClientHelloRecord;
  if (rest.dns) attempt.dns = { ...rest.dns };
  return attempt;
}

/**
 * The attempts of one listener, oldest first, bounded twice: at most `size` attempts, and at most
 * `max(size × TEXT_BYTES_PER_ATTEMPT, 1 MiB)` bytes of recorded text, so that clients sending the largest heads the
 * caps allow on every connection cannot make it grow past that; the oldest attempts go first.
 */
export class ListenerLedger {
  private readonly attempts = new Map<number, StoredAttempt>();
  private textBytes = 0;
  private readonly maxTextBytes: number;

  constructor(private readonly size: number) {
    this.maxTextBytes = Math.max(size * TEXT_BYTES_PER_ATTEMPT, MIN_TEXT_BYTES);
  }

  /** The attempt of connection (or DNS query) number `connection`, if still kept. */
  get(connection: number): StoredAttempt | undefined {
    return this.attempts.get(connection);
  }

  /** Adds an attempt (its `textBytes` counted), dropping the oldest past the bound. */
  add(attempt: StoredAttempt): void {
    this.attempts.set(attempt.connection, attempt);
    this.account(attempt, attempt.textBytes);
  }

  /** Records that `attempt` holds `bytes` more text, dropping the oldest attempts past the bound. */
  grow(attempt: StoredAttempt, bytes: number): void {
    attempt.textBytes += bytes;
    this.account(attempt, bytes);
  }

  private account(keep: StoredAttempt, bytes: number): void {
    this.textBytes += bytes;
    for (const [connection, oldest] of this.attempts) {
      if ((this.attempts.size <= this.size && this.textBytes <= this.maxTextBytes) || oldest === keep) break;
      this.attempts.delete(connection);
      this.textBytes -= oldest.textBytes;
    }
  }

  /** Every attempt kept, oldest first. */
  all(): IterableIterator<StoredAttempt> {
    return this.attempts.values();
  }
}
