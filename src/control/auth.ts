import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

/** True for addresses only this machine can reach (127.0.0.0/8, ::1, localhost). */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Compares two secrets in constant time (both hashed first, so their lengths leak nothing either). */
export function sameSecret(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * Express middleware: every request must carry the token, as `Authorization: Bearer <token>` or `?token=<token>`
 * (the dashboard's EventSource cannot set headers); otherwise 401 with a JSON error.
 */
export function requireToken(token: string) {
  return (request: Request, response: Response, next: NextFunction) => {
    const header = request.get('authorization') ?? '';
    const given = header.startsWith('Bearer ') ? header.slice(7) : typeof request.query.token === 'string' ? request.query.token : '';
    if (given && sameSecret(given, token)) return next();
    response.status(401).json({ error: 'missing or wrong control token (Authorization: Bearer <token> or ?token=)' });
  };
}
