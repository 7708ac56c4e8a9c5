import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createLogger, DEFAULT_REDACT_PATHS } from '../../src/logging/index.js';
import { captureLogger, type LogLine, lineCollector, valueAt } from './capture.js';

const CENSOR = '[REDACTED]';

/** Concrete keys for a fast-redact path: `*` becomes a made-up key, brackets lose their quotes. */
function concreteSegments(path: string): string[] {
  const segments: string[] = [];
  for (const m of path.matchAll(/[^.[\]]+|\[(?:"([^"]*)"|(\d+))\]/g)) {
    const key = m[1] ?? m[2] ?? m[0];
    segments.push(key === '*' ? `any${segments.length}` : key);
  }
  return segments;
}

/** `{ a: { b: { leaf: value, sibling: 'keep' } } }` for segments `[a, b, leaf]`. */
function objectWith(segments: readonly string[], value: unknown): Record<string, unknown> {
  let inner: Record<string, unknown> = { [segments.at(-1) ?? '']: value, sibling: 'keep' };
  for (let i = segments.length - 2; i >= 0; i--) inner = { [segments[i] ?? '']: inner };
  return inner;
}

describe('redaction by path', () => {
  const required = {
    headers: ['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key'],
    containers: ['req.headers', 'res.headers', 'headers'],
    keys: [
      'password',
      'newPassword',
      'currentPassword',
      'token',
      'accessToken',
      'refreshToken',
      'idToken',
      'secret',
      'clientSecret',
      'apiKey',
      'otp',
      'totp',
      'recoveryCode',
    ],
  };

  it('lists every required header and key path', () => {
    for (const container of required.containers) {
      for (const header of required.headers) expect(DEFAULT_REDACT_PATHS).toContain(`${container}["${header}"]`);
    }
    for (const key of required.keys) {
      expect(DEFAULT_REDACT_PATHS).toContain(key);
      expect(DEFAULT_REDACT_PATHS).toContain(`*.${key}`);
      expect(DEFAULT_REDACT_PATHS).toContain(`*.*.${key}`);
    }
  });

  it.each([...DEFAULT_REDACT_PATHS])('censors %s and nothing beside it', (path) => {
    const { log, last } = captureLogger();
    const segments = concreteSegments(path);
    log.info(objectWith(segments, 'the-secret-value'), 'line');
    const line = last();
    expect(valueAt(line, segments)).toBe(CENSOR);
    expect(valueAt(line, [...segments.slice(0, -1), 'sibling'])).toBe('keep');
    expect(JSON.stringify(line)).not.toContain('the-secret-value');
  });

  it('censors whole values: objects, arrays (set-cookie), numbers', () => {
    const { log, last } = captureLogger();
    log.info({
      token: { kind: 'bearer', value: 'abc' },
      res: { headers: { 'set-cookie': ['sid=1', 'csrf=2'] } },
      user: { otp: 123456 },
    });
    expect(last()).toMatchObject({ token: CENSOR, res: { headers: { 'set-cookie': CENSOR } }, user: { otp: CENSOR } });
  });

  it('censors inside arrays, where `*` matches an index', () => {
    const { log, last } = captureLogger();
    log.info({
      users: [
        { name: 'a', password: 'p1' },
        { name: 'b', password: 'p2' },
      ],
    });
    expect(last().users).toEqual([
      { name: 'a', password: CENSOR },
      { name: 'b', password: CENSOR },
    ]);
  });

  it('keeps `code`, our error-code field, at every depth', () => {
    const { log, last } = captureLogger();
    log.info({ code: 'AUTH_TOKEN_EXPIRED', err: { code: 'E_ONE' }, a: { b: { code: 'E_TWO' } } });
    expect(last()).toMatchObject({ code: 'AUTH_TOKEN_EXPIRED', err: { code: 'E_ONE' }, a: { b: { code: 'E_TWO' } } });
  });

  it('leaves keys that merely contain a secret word alone', () => {
    const { log, last } = captureLogger();
    log.info({ tokenType: 'Bearer', passwordPolicy: 'strong', headers: { 'x-request-id': 'r1', accept: '*/*' } });
    expect(last()).toMatchObject({ tokenType: 'Bearer', passwordPolicy: 'strong', headers: { 'x-request-id': 'r1' } });
  });

  it('applies extra paths from options, alongside the defaults', () => {
    const { log, last } = captureLogger({ redact: ['session.id', 'deep.a.b.c.d.e.f.g', 'list[1]', 'cards.*'] });
    log.info({
      session: { id: 's1', user: 'u1' },
      deep: { a: { b: { c: { d: { e: { f: { g: 'x', h: 'y' } } } } } } },
      list: ['zero', 'one', 'two'],
      cards: { visa: '1', amex: '2' },
      password: 'p',
    });
    const line = last();
    expect(line.session).toEqual({ id: CENSOR, user: 'u1' });
    expect(valueAt(line, ['deep', 'a', 'b', 'c', 'd', 'e', 'f'])).toEqual({ g: CENSOR, h: 'y' });
    expect(line.list).toEqual(['zero', CENSOR, 'two']);
    expect(line.cards).toEqual({ visa: CENSOR, amex: CENSOR });
    expect(line.password).toBe(CENSOR);
  });

  it('rejects a malformed path when the logger is created', () => {
    expect(() => createLogger({ redact: ['a..b'], destination: lineCollector([]) })).toThrow(/Invalid redaction path/);
    expect(() => createLogger({ redact: ['a[b'], destination: lineCollector([]) })).toThrow(/Invalid redaction path/);
  });

  it('redacts child logger lines and bindings', () => {
    const { log, lines } = captureLogger();
    const child = log.child({ requestId: 'r-1', apiKey: 'k-1' });
    child.info({ user: { password: 'p' } }, 'child line');
    child.child({ tenant: 't1' }).info({ refreshToken: 'rt' }, 'grandchild line');
    expect(lines[0]).toMatchObject({ requestId: 'r-1', apiKey: CENSOR, user: { password: CENSOR } });
    expect(lines[1]).toMatchObject({ requestId: 'r-1', tenant: 't1', refreshToken: CENSOR });
  });

  it('agrees with pino’s own redactor on the default paths', () => {
    // Same fast-redact semantics, different engine: compare both on awkward shapes.
    const ours: LogLine[] = [];
    const theirs: LogLine[] = [];
    const ourLog = createLogger({ mask: false, destination: lineCollector(ours) });
    const pinoLog = pino(
      { redact: { paths: [...DEFAULT_REDACT_PATHS], censor: CENSOR }, base: null, timestamp: false },
      lineCollector(theirs),
    );
    const samples: Record<string, unknown>[] = [
      { password: { nested: 'x' }, token: null, secret: 0, apiKey: false },
      { req: { headers: { authorization: 'a', Cookie: 'c', host: 'h' }, body: { password: 'p', ok: 1 } } },
      { a: [{ token: 't' }, 'plain', [{ secret: 's' }]], b: { c: { d: { password: 'too deep' } } } },
      { err: { config: { headers: { Authorization: 'Bearer x' } } }, headers: 'not an object' },
      { request: { header: { cookie: 'c' } }, list: [1, 2, 3], user: { name: 'n', newPassword: 'np' } },
    ];
    for (const sample of samples) {
      ourLog.info(sample);
      pinoLog.info(sample);
    }
    const strip = ({ level, time, pid, hostname, ...rest }: LogLine) => rest;
    expect(ours.map(strip)).toEqual(theirs.map(strip));
  });
});
