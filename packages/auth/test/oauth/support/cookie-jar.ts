/**
 * A minimal cookie jar for driving browser flows with fetch: one jar per origin, keyed by name,
 * ignoring Path (the flows under test never rely on two cookies with one name).
 */
export class CookieJar {
  readonly #cookies = new Map<string, Map<string, string>>();

  /** Store the Set-Cookie headers of a response to a request for `url`. */
  take(url: string | URL, res: Response): void {
    const origin = new URL(url).origin;
    let jar = this.#cookies.get(origin);
    if (jar === undefined) {
      jar = new Map();
      this.#cookies.set(origin, jar);
    }
    for (const header of res.headers.getSetCookie()) {
      const [pair = '', ...attributes] = header.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some((a) => {
        const [key = '', val = ''] = a.trim().split('=');
        const k = key.toLowerCase();
        return (k === 'max-age' && Number(val) <= 0) || (k === 'expires' && Date.parse(val) <= Date.now());
      });
      if (expired || value === '') jar.delete(name);
      else jar.set(name, value);
    }
  }

  /** The Cookie header for a request to `url`. */
  header(url: string | URL): string {
    const jar = this.#cookies.get(new URL(url).origin);
    return jar ? [...jar].map(([k, v]) => `${k}=${v}`).join('; ') : '';
  }

  get(url: string | URL, name: string): string | undefined {
    return this.#cookies.get(new URL(url).origin)?.get(name);
  }

  set(url: string | URL, name: string, value: string): void {
    const origin = new URL(url).origin;
    const jar = this.#cookies.get(origin) ?? new Map<string, string>();
    jar.set(name, value);
    this.#cookies.set(origin, jar);
  }

  delete(url: string | URL, name: string): void {
    this.#cookies.get(new URL(url).origin)?.delete(name);
  }
}

/** A GET (or form POST) that does not follow redirects, with the jar's cookies, storing new ones. */
export async function browse(jar: CookieJar, url: string | URL, form?: Record<string, string>): Promise<Response> {
  const headers: Record<string, string> = { cookie: jar.header(url) };
  const init: RequestInit = { redirect: 'manual', headers };
  if (form) {
    init.method = 'POST';
    headers['content-type'] = 'application/x-www-form-urlencoded';
    init.body = new URLSearchParams(form).toString();
  }
  const res = await fetch(url, init);
  jar.take(url, res);
  return res;
}

/** Location of a redirect, resolved against the request URL. */
export function location(res: Response, from: string | URL): URL {
  const value = res.headers.get('location');
  if (value === null) throw new Error(`expected a redirect from ${String(from)}, got HTTP ${res.status}`);
  return new URL(value, from);
}
