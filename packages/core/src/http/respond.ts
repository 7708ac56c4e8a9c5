import { Stream } from 'node:stream';
import type { Context } from 'koa';

/** Statuses Koa sends without a body (`statuses.empty`). */
export const EMPTY_BODY_STATUSES: ReadonlySet<number> = new Set([204, 205, 304]);

/** Koa's response fields read here (they are Koa's, not ours). */
interface KoaResponseInternals {
  _explicitNullBody?: boolean;
}

/**
 * Sends `ctx.body` as Koa 3's own `respond` does (koa/lib/application.js, which Koa does not export):
 * the same statuses without a body, HEAD handling, status-message bodies, strings, buffers, streams,
 * Blobs, web streams and `Response`s, and JSON. The kernel's request handler calls it so that its
 * own work after the chain (context, metrics, access log, error answer) and the sending run in one
 * promise reaction instead of three. A test answers every kind of body through this and through
 * Koa and compares the bytes.
 */
export function respond(ctx: Context): void {
  if (ctx.respond === false) return;
  const res = ctx.res;
  if (!ctx.writable) {
    res.end();
    return;
  }
  const body: unknown = ctx.body;
  const code = ctx.status;
  if (EMPTY_BODY_STATUSES.has(code)) {
    // Strips the body headers.
    ctx.body = null;
    res.end();
    return;
  }
  if (ctx.method === 'HEAD') {
    if (!res.headersSent && !res.hasHeader('content-length')) {
      const { length } = ctx.response;
      if (Number.isInteger(length)) ctx.length = length;
    }
    res.end();
    return;
  }
  if (body === null || body === undefined) {
    if ((ctx.response as unknown as KoaResponseInternals)._explicitNullBody === true) {
      ctx.response.remove('Content-Type');
      ctx.response.remove('Transfer-Encoding');
      ctx.length = 0;
      res.end();
      return;
    }
    const text = ctx.req.httpVersionMajor >= 2 ? String(code) : ctx.message || String(code);
    if (!res.headersSent) {
      ctx.type = 'text';
      ctx.length = Buffer.byteLength(text);
    }
    res.end(text);
    return;
  }
  if (typeof body === 'string' || Buffer.isBuffer(body)) {
    res.end(body);
    return;
  }
  const stream = toNodeStream(body);
  if (stream !== null) {
    Stream.pipeline(stream, res, (err) => {
      if (err && ctx.app.listenerCount('error')) ctx.onerror(err);
    });
    return;
  }
  const json = JSON.stringify(body);
  if (!res.headersSent) ctx.length = Buffer.byteLength(json);
  res.end(json);
}

/** A body Koa streams, as a Node stream; `null` for anything else (sent as JSON). */
function toNodeStream(body: unknown): NodeJS.ReadableStream | null {
  // Checked in Koa's order; `Response` last among the web types (its first mention loads undici).
  if (body instanceof Blob) return Stream.Readable.from(body.stream() as AsyncIterable<unknown>);
  if (body instanceof ReadableStream) return Stream.Readable.from(body as AsyncIterable<unknown>);
  if (body instanceof Response) return Stream.Readable.from((body.body ?? '') as AsyncIterable<unknown>);
  return isStream(body) ? body : null;
}

/** koa/lib/is-stream.js. */
function isStream(value: unknown): value is NodeJS.ReadableStream {
  if (value instanceof Stream) return true;
  if (value === null || typeof value !== 'object') return false;
  const s = value as Record<string, unknown>;
  return (
    !!s.readable &&
    typeof s.pipe === 'function' &&
    typeof s.read === 'function' &&
    typeof s.readable === 'boolean' &&
    typeof s.readableObjectMode === 'boolean' &&
    typeof s.destroy === 'function' &&
    typeof s.destroyed === 'boolean'
  );
}
