import type Koa from 'koa';
import type { Context, Middleware } from 'koa';
import { EMPTY_BODY_STATUSES } from './respond.js';

/**
 * Why this file exists: Koa 3 tests every object body against `ReadableStream`, `Blob` and
 * `Response`, once when it is set and again when it is sent. `Response` is a lazy global of Node:
 * its first mention loads undici, ≈ 8 MiB of RSS that a JSON API never uses otherwise (an idle
 * quickstart: 64 MiB with it, 56 MiB without). A plain object or array can be none of those three,
 * so here they skip the tests: set through Koa's JSON branch directly, and sent as the string
 * Koa would have sent. Everything else (strings, buffers, streams, class instances, `null`) takes
 * Koa's own path unchanged.
 */

/** `{…}`, `Object.create(null)` or `[…]`: what handlers set as JSON, and never a stream, Blob or Response. */
export function isPlainJson(value: unknown): value is object {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null || proto === Array.prototype;
}

/** The fields of Koa's response this file reads (they are Koa's, not ours). */
interface KoaResponseFields {
  _body: unknown;
  _explicitStatus?: boolean;
  status: number;
  type: string;
  remove(field: string): void;
}

const JSON_TYPE = /\bjson\b/i;
const INSTALLED = Symbol.for('koaforge.jsonBodySetter');

/**
 * Makes `ctx.body = {…}` on `app` skip Koa's stream/Blob/Response tests (same result: status 200
 * unless one was set, `Content-Type: application/json` unless a JSON type was set, no stale
 * `Content-Length`). Idempotent. Replacing a stream body still goes through Koa, which cleans it up.
 */
export function installJsonBodySetter(app: Koa): void {
  const response = app.response as unknown as Record<PropertyKey, unknown>;
  if (response[INSTALLED] === true) return;
  const koa = findAccessor(response, 'body');
  const koaSet = koa.set as (this: unknown, value: unknown) => void;
  Object.defineProperty(response, 'body', {
    configurable: true,
    enumerable: true,
    get: koa.get,
    set(this: KoaResponseFields, value: unknown) {
      const original = this._body;
      if (!isPlainJson(value) || mayBeStream(original)) {
        koaSet.call(this, value);
        return;
      }
      // Koa's JSON branch, as in koa/lib/response.js.
      this._body = value;
      if (this._explicitStatus !== true) this.status = 200;
      this.remove('Content-Length');
      const type = this.type;
      if (!type || !JSON_TYPE.test(type)) this.type = 'json';
    },
  });
  Object.defineProperty(response, INSTALLED, { value: true });
}

/**
 * Turns a plain JSON body into the string Koa's `respond` would send (`JSON.stringify`, with its
 * `Content-Length`), so `respond` takes its string path. Call it last, when nothing below will
 * touch the body again; the kernel does this in its outermost middleware. Throws what
 * `JSON.stringify` throws (cycles, BigInt): callers answer that as a 500.
 */
export function settleJsonBody(ctx: Context): void {
  const response = ctx.response as unknown as KoaResponseFields;
  const body = response._body;
  if (!isPlainJson(body) || ctx.respond === false) return;
  const res = ctx.res;
  if (EMPTY_BODY_STATUSES.has(res.statusCode) || !res.hasHeader('content-type')) return;
  const text = JSON.stringify(body);
  // What Koa's setter does for a string body whose type is set and whose old body was no stream
  // (`_body`, then `length`), without its round of checks: the body is known to be plain JSON here.
  response._body = text;
  if (!res.headersSent && !res.hasHeader('transfer-encoding')) {
    res.setHeader('Content-Length', String(Buffer.byteLength(text)));
  }
}

/**
 * Plain Koa: JSON bodies without Koa's stream/Blob/Response tests (and without the undici load
 * they cause). Use it as the first middleware; the kernel has it built in.
 *
 * @example
 * app.use(jsonBodies(app));
 */
export function jsonBodies(app: Koa): Middleware {
  installJsonBodySetter(app);
  return function jsonBodiesMiddleware(ctx, next) {
    return next().then(() => settleJsonBody(ctx));
  };
}

function mayBeStream(value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof (value as { pipe?: unknown }).pipe === 'function';
}

function findAccessor(target: object, key: string): PropertyDescriptor {
  for (let o: object | null = target; o !== null; o = Object.getPrototypeOf(o)) {
    const d = Object.getOwnPropertyDescriptor(o, key);
    if (d?.set !== undefined && d.get !== undefined) return d;
  }
  throw new TypeError(`Koa's response has no "${key}" accessor`);
}
