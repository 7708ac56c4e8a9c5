// Shared by the showcase's black-box tests.

export const PASSWORD = 'correct-horse-battery-staple';

/** Cheap Argon2 parameters so the tests do not spend seconds hashing. */
export const TEST_CONFIG = { auth: { passwords: { memoryCost: 1024, timeCost: 1 } } };

export interface Pair {
  accessToken: string;
  refreshToken: string;
}

/** POST JSON (or nothing), optionally with a bearer token; the answer's status and parsed body. */
export async function post(base: string, path: string, body?: unknown, token?: string) {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
}
