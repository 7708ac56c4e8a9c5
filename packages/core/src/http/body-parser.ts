import contentType from 'content-type';
import type { Context, Middleware, Next } from 'koa';
import type getRawBodyType from 'raw-body';
import { CoreErrors } from '../errors.js';
import { lazyModule } from '../lazy-module.js';

/** raw-body (with iconv-lite) loads on the first request with a body, not at every app's start. */
const getRawBody = lazyModule<typeof getRawBodyType>('raw-body');

export interface BodyParserOptions {
  /** Largest JSON body in bytes. Default 1 MiB. */
  jsonLimit?: number;
  /** Largest `text/plain` / urlencoded body in bytes. Default 100 KiB. */
  textLimit?: number;
  /** Also parse `application/x-www-form-urlencoded` into an object. Default true. */
  urlencoded?: boolean;
}

declare module 'koa' {
  interface Request {
    /** Parsed body, set by `bodyParser()`. */
    body?: unknown;
    /** Raw body text, set by `bodyParser()` for parsed types. */
    rawBody?: string;
  }
}

const METHODS_WITH_BODY = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

interface RawBodyError {
  type?: string;
}

/**
 * Parse JSON (`application/json` and `+json`), urlencoded forms and plain text into
 * `ctx.request.body`, with finite limits. Other content types (multipart, octet-stream, tus PATCH)
 * are left unread for the route to stream.
 * - invalid JSON → 400 `BODY_MALFORMED`; over the limit → 413 `BODY_TOO_LARGE` (also when
 *   `Content-Length` already says so: the body is never read); bad charset or encoding →
 *   415 `BODY_ENCODING_UNSUPPORTED`; truncated → 400 `BODY_INCOMPLETE`.
 * JSON is parsed with a reviver-free `JSON.parse`; `__proto__` keys stay plain data properties,
 * so parsed bodies cannot pollute prototypes.
 */
export function bodyParser(options: BodyParserOptions = {}): Middleware {
  const jsonLimit = options.jsonLimit ?? 1024 * 1024;
  const textLimit = options.textLimit ?? 100 * 1024;
  const urlencoded = options.urlencoded ?? true;
  // Not async: a GET (most requests) or a bodiless request returns `next()` as is, without an
  // extra promise per request.
  return function bodyParserMiddleware(ctx, next) {
    if (!METHODS_WITH_BODY.has(ctx.method) || ctx.request.body !== undefined) return next();
    const header = ctx.req.headers['content-type'];
    if (header === undefined) return next();
    return parseBody(ctx, next, header);
  };

  async function parseBody(ctx: Context, next: Next, header: string): Promise<void> {
    let type: string;
    let charset: string;
    try {
      const parsed = contentType.parse(header);
      type = parsed.type;
      charset = (parsed.parameters.charset ?? 'utf-8').toLowerCase();
    } catch {
      throw CoreErrors.BODY_UNSUPPORTED_TYPE('The Content-Type header is malformed');
    }
    const kind =
      type === 'application/json' || type.endsWith('+json')
        ? 'json'
        : type === 'application/x-www-form-urlencoded' && urlencoded
          ? 'form'
          : type === 'text/plain'
            ? 'text'
            : undefined;
    if (kind === undefined) return next();
    if (charset !== 'utf-8' && charset !== 'utf8') {
      throw CoreErrors.BODY_ENCODING_UNSUPPORTED(`Charset ${charset} is not supported; use utf-8`);
    }
    const encoding = ctx.req.headers['content-encoding'];
    if (encoding !== undefined && encoding !== 'identity') {
      throw CoreErrors.BODY_ENCODING_UNSUPPORTED(`Content-Encoding ${encoding} is not supported`);
    }
    const limit = kind === 'json' ? jsonLimit : textLimit;
    const declared = ctx.req.headers['content-length'];
    let text: string;
    try {
      text = await getRawBody()(ctx.req, {
        limit,
        length: declared === undefined ? undefined : Number(declared),
        encoding: 'utf-8',
      });
    } catch (err) {
      const t = (err as RawBodyError).type;
      if (t === 'entity.too.large') {
        throw CoreErrors.BODY_TOO_LARGE(`The body is larger than ${limit} bytes`, { details: { limit } });
      }
      if (t === 'request.aborted' || t === 'request.size.invalid') {
        throw CoreErrors.BODY_INCOMPLETE(undefined, { cause: err });
      }
      throw CoreErrors.BODY_MALFORMED('The body could not be read', { cause: err });
    }
    ctx.request.rawBody = text;
    if (kind === 'json') {
      if (text.length === 0) ctx.request.body = undefined;
      else {
        try {
          ctx.request.body = JSON.parse(text);
        } catch (err) {
          throw CoreErrors.BODY_MALFORMED(`The body is not valid JSON: ${(err as Error).message}`);
        }
      }
    } else if (kind === 'form') {
      ctx.request.body = Object.fromEntries(new URLSearchParams(text));
    } else {
      ctx.request.body = text;
    }
    return next();
  }
}
