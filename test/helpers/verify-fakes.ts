import type { Attempt } from '../../src/ledger/attempt.js';
import type { ClientView, ListenerReport, VerifyReport } from '../../src/verify/report-schema.js';
import { VERIFY_REPORT_FORMAT } from '../../src/verify/report-schema.js';

// Hand-made attempt records and client views for the unit tests of the pure parts of verify (figures, verdicts,
// formats); what the farm's ledger really records is tested end to end in test/verify.test.ts.

/** An attempt on listener `listener` with the fields given (connection 1, accepted at 1000, no requests, open). */
export function fakeAttempt(fields: Partial<Attempt> = {}): Attempt {
  return { connection: 1, listener: 'slow-first-byte', startedAt: 1000, peer: '127.0.0.1:40000', requests: [], actions: [], ...fields };
}

/** A request head read at `at`. */
export function fakeRequest(at: number, target = '/slow-first-byte/__probe/p/'): Attempt['requests'][number] {
  return { at, method: 'GET', target, headers: [['host', 'localhost']] };
}

/** A client view with the fields given (status 200, no headers, ended after 10 ms). */
export function fakeClient(fields: Partial<ClientView> = {}): ClientView {
  return { status: 200, headers: {}, bodyStart: '', bodyBytes: 0, timeToHeadMs: 5, timeToEndMs: 10, ...fields };
}

/** A listener report with the fields given. */
export function fakeListenerReport(fields: Partial<ListenerReport> = {}): ListenerReport {
  return {
    id: 'slow-first-byte',
    scenario: 'slow-first-byte',
    transport: 'http',
    port: 9462,
    probe: 'slow-first-byte.0123456789ab',
    request: {
      method: 'GET',
      url: 'http://127.0.0.1:8080/slow-first-byte/__probe/slow-first-byte.0123456789ab/',
      bodyBytes: 0,
      maxBodyBytes: null,
    },
    asks: [{ sentAt: 1000, client: fakeClient(), attempts: [] }],
    figures: {
      attempts: 0,
      requests: 0,
      retryIntervalsMs: [],
      freshConnections: 0,
      reusedConnections: 0,
      resentOnReused: false,
      appliedTimeout: null,
      sni: null,
      repeat: null,
    },
    logLines: [],
    verdict: { result: 'match', checks: [] },
    ...fields,
  };
}

/** A whole report of `listeners` judged against `profile`, its summary counted from the verdicts. */
export function fakeReport(listeners: ListenerReport[], profile: string | null = 'nginx'): VerifyReport {
  const count = (result: string) => listeners.filter((l) => l.verdict.result === result).length;
  const summary = { listeners: listeners.length, matched: count('match'), mismatched: count('mismatch'), unjudged: count('unjudged') };
  return {
    format: VERIFY_REPORT_FORMAT,
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 1234,
    target: 'http://127.0.0.1:8080',
    profile,
    farm: 'http://127.0.0.1:9399',
    repeat: 1,
    summary,
    ok: summary.mismatched === 0,
    listeners,
  };
}
