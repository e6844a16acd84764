import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { sendError } from './json-error.js';

/** True for addresses only this machine can reach (127.0.0.0/8, ::1, localhost). */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Compares two secrets in constant time (both hashed first, so their lengths leak nothing either). */
export function sameSecret(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** `Authorization: Bearer <token>`; the scheme name is case-insensitive (RFC 9110 §11.1, RFC 6750 §2.1). */
const BEARER = /^bearer +(\S+) *$/i;

/**
 * Express middleware: every request must carry the token, as `Authorization: Bearer <token>` or `?token=<token>`
 * (the dashboard's EventSource cannot set headers); otherwise 401 with a JSON error.
 */
export function requireToken(token: string) {
  return (request: Request, response: Response, next: NextFunction) => {
    const bearer = BEARER.exec(request.get('authorization') ?? '');
    const given = bearer ? bearer[1]! : typeof request.query.token === 'string' ? request.query.token : '';
    if (given && sameSecret(given, token)) return next();
    sendError(response, 401, 'missing or wrong control token (Authorization: Bearer <token> or ?token=)');
  };
}
