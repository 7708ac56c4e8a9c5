import { STATUS_CODES } from 'node:http';
import { CoreErrors } from '../errors.js';
import { isKoaforgeError, type KoaforgeErrorLike } from './catalogue.js';

/** An RFC 9457 problem document with koaforge's `code` and `requestId` members. */
export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  code: string;
  detail?: string;
  instance?: string;
  requestId?: string;
  [extension: string]: unknown;
}

/** Members a problem's `details` may never overwrite. */
const RESERVED = new Set(['type', 'title', 'status', 'code', 'detail', 'instance', 'requestId']);

/**
 * Turn anything thrown into a koaforge error. Errors from other Koa middleware that carry a
 * 4xx `status` with `expose` (http-errors style, e.g. `ctx.throw(404)`) keep their status under a
 * generic `HTTP_<status>` code; everything else is `INTERNAL`.
 */
export function normalizeError(err: unknown): KoaforgeErrorLike {
  if (isKoaforgeError(err)) return err;
  if (typeof err === 'object' && err !== null) {
    const e = err as { status?: unknown; statusCode?: unknown; expose?: unknown; message?: unknown };
    const status = typeof e.status === 'number' ? e.status : typeof e.statusCode === 'number' ? e.statusCode : 500;
    if (status >= 400 && status < 500 && e.expose === true) {
      return {
        code: `HTTP_${status}`,
        status,
        expose: true,
        retryable: false,
        title: STATUS_CODES[status] ?? 'Client error',
        message: typeof e.message === 'string' ? e.message : (STATUS_CODES[status] ?? 'Client error'),
      };
    }
  }
  return CoreErrors.INTERNAL();
}

/**
 * Build the problem document for an error. Unexposed errors (every 5xx by default) say only their
 * title and code: no message, no stack, no cause reaches the client.
 */
export function toProblem(err: KoaforgeErrorLike, requestId?: string, instance?: string): ProblemDocument {
  const problem: ProblemDocument = {
    type: 'about:blank',
    title: err.title,
    status: err.status,
    code: err.code,
  };
  if (err.expose) {
    problem.detail = err.message;
    if (err.details) {
      for (const [key, value] of Object.entries(err.details)) if (!RESERVED.has(key)) problem[key] = value;
    }
  }
  if (instance !== undefined) problem.instance = instance;
  if (requestId !== undefined) problem.requestId = requestId;
  return problem;
}
