import { oauthFailed } from '../provider.js';

/** Largest provider API answer read (profiles and e-mail lists are a few KiB). */
const MAX_BODY_BYTES = 256 * 1024;

export interface ProviderFetchOptions {
  readonly headers?: Record<string, string>;
  readonly timeoutMs: number;
  /** Names the call in error messages; never the URL, which may carry a secret (WeChat). */
  readonly what: string;
}

async function readBounded(res: Response, what: string): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? '0');
  if (declared > MAX_BODY_BYTES) throw oauthFailed(`${what}: answer too large`);
  if (res.body === null) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel();
      throw oauthFailed(`${what}: answer too large`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * GET a provider JSON API with a deadline and a size cap. Redirects are not followed: a
 * provider API that redirects an authenticated call is not one we should send the token on to.
 */
export async function fetchProviderJson(url: URL, options: ProviderFetchOptions): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'GET',
      headers: { accept: 'application/json', ...options.headers },
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs),
    });
  } catch (err) {
    throw oauthFailed(`${options.what}: request failed`, err);
  }
  const text = await readBounded(res, options.what);
  if (res.status < 200 || res.status > 299) throw oauthFailed(`${options.what}: answered HTTP ${res.status}`);
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw oauthFailed(`${options.what}: answer is not JSON`, err);
  }
}
