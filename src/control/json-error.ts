import type { ServerResponse } from 'node:http';

/**
 * Ends `response` with `status` and the control API's one error shape, a single JSON line `{"error": message}`,
 * never a stack trace or a file path. Does nothing more than destroy the connection when headers are already out.
 */
export function sendError(response: ServerResponse, status: number, message: string): void {
  if (response.headersSent) return void response.destroy();
  const body = `${JSON.stringify({ error: message })}\n`;
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  response.end(body);
}
