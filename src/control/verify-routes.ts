import express, { type Express } from 'express';
import { VERIFY_REPORT_MAX_BYTES, type LatestVerifyReport } from '../verify/latest-report.js';
import { sendError } from './json-error.js';

/**
 * The verify report routes: `POST /verify/reports` takes a `badorigin verify` report (JSON of
 * src/verify/report-schema.ts, at most VERIFY_REPORT_MAX_BYTES) as the farm's latest (201 `{"recorded": true}`;
 * 400 for a body that is not a report, 413 for a larger one); `GET /verify/latest` answers the latest one (404 JSON
 * error before any). Writes pass the control API's token and cross-origin checks like every other route.
 */
export function verifyRoutes(app: Express, reports: LatestVerifyReport): void {
  app.get('/verify/latest', (_request, response) => {
    const text = reports.latestText();
    if (text === undefined) return sendError(response, 404, 'no verify report yet (badorigin verify --farm URL sends one)');
    response.type('application/json').set('cache-control', 'no-store').send(text);
  });
  app.post('/verify/reports', express.json({ limit: VERIFY_REPORT_MAX_BYTES }), (request, response) => {
    const refusal = reports.record(request.body);
    if (refusal) return sendError(response, refusal.refused === 'too-large' ? 413 : 400, refusal.message);
    response.status(201).json({ recorded: true });
  });
}
