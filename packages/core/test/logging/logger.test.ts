import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { Logger } from '../../src/logging/index.js';
import { captureLogger } from './capture.js';

type LogFormatter = (object: Record<string, unknown>) => Record<string, unknown>;

/** The `formatters.log` pino calls for every line: what the hot path runs. */
function logFormatter(log: Logger): LogFormatter {
  const formatters = (log as unknown as Record<symbol, { log: LogFormatter }>)[pino.symbols.formattersSym];
  if (formatters === undefined) throw new Error('no formatters on this logger');
  return formatters.log;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

const accessLogLine = () => ({
  req: {
    id: '3f2a9c1e-8b7d-4c1a-9e2f-0a1b2c3d4e5f',
    method: 'GET',
    url: '/api/orders/42?page=2',
    remoteAddress: '203.0.113.195',
    remotePort: 53412,
    headers: { host: 'localhost:3000', 'user-agent': 'curl/8.5.0', accept: '*/*' },
  },
  res: { statusCode: 200, headers: { 'content-type': 'application/json; charset=utf-8', 'content-length': '123' } },
  responseTime: 12.5,
});

describe('createLogger: messages', () => {
  it('masks the message', () => {
    const { log, last } = captureLogger();
    log.info('password reset requested by alice@acme.test from +14155552671');
    expect(last().msg).toBe('password reset requested by a***@acme.test from +*******2671');
  });

  it('masks interpolated values and redacts interpolated objects', () => {
    const { log, lines } = captureLogger();
    log.info('user %s signed in', 'alice@acme.test');
    log.info({ requestId: 'r1' }, 'payload %o', { email: 'bob@acme.test', password: 'hunter2' });
    log.info('body %j', { token: 'tok-123', card: '4111111111111111' });
    expect(lines[0]?.msg).toBe('user a***@acme.test signed in');
    expect(lines[1]?.msg).toContain('b***@acme.test');
    expect(lines[1]?.msg).toContain('[REDACTED]');
    expect(lines[1]?.msg).not.toContain('hunter2');
    expect(lines[2]?.msg).not.toContain('tok-123');
    expect(lines[2]?.msg).toContain('************1111');
  });

  it('keeps level, name and base fields, and takes the level case-insensitively', () => {
    const { log, lines } = captureLogger({
      level: ' DEBUG ',
      name: 'api',
      base: { service: 'orders', owner: 'a@acme.test' },
    });
    log.debug('debug line');
    log.trace('not written');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 20, name: 'api', service: 'orders', owner: 'a***@acme.test' });
    expect(lines[0]).toHaveProperty('pid', process.pid);
    expect(lines[0]).toHaveProperty('hostname');
  });

  it('defaults to info', () => {
    const { log, lines } = captureLogger();
    log.debug('hidden');
    log.info('shown');
    expect(lines.map((l) => l.msg)).toEqual(['shown']);
  });
});

describe('createLogger: objects', () => {
  it('never mutates the caller’s object', () => {
    const { log, last } = captureLogger();
    const input = deepFreeze({
      user: { email: 'alice@acme.test', password: 'p', roles: ['admin', 'bob@acme.test'] },
      req: { headers: { authorization: 'Bearer abc' } },
    });
    const before = structuredClone(input);
    log.info(input, 'frozen input'); // frozen: any write would throw in strict mode
    expect(input).toEqual(before);
    expect(last()).toMatchObject({
      user: { email: 'a***@acme.test', password: '[REDACTED]', roles: ['admin', 'b***@acme.test'] },
      req: { headers: { authorization: '[REDACTED]' } },
    });
  });

  it('returns a clean object as the same reference (no allocation)', () => {
    const { log } = captureLogger();
    const format = logFormatter(log);
    const clean = accessLogLine();
    expect(format(clean)).toBe(clean);
    expect(logFormatter(log.child({ requestId: 'r1' }))(clean)).toBe(clean);
  });

  it('copies only the branch that changed', () => {
    const { log } = captureLogger();
    const line = { ...accessLogLine(), user: { email: 'alice@acme.test' } };
    const out = logFormatter(log)(line);
    expect(out).not.toBe(line);
    expect(out.req).toBe(line.req);
    expect(out.res).toBe(line.res);
    expect(out.user).toEqual({ email: 'a***@acme.test' });
    expect(line.user.email).toBe('alice@acme.test');
  });

  it('survives cycles', () => {
    const { log, last } = captureLogger();
    const node: Record<string, unknown> = { email: 'alice@acme.test' };
    node.self = node;
    log.info({ node });
    expect(last().node).toEqual({ email: 'a***@acme.test', self: '[Circular]' });
  });

  it('masks what toJSON produces (URL) and leaves dates alone', () => {
    const { log, last } = captureLogger();
    const at = new Date('2024-05-01T12:30:45.123Z');
    log.info({ link: new URL('https://app.test/invite?email=alice%40acme.test'), at });
    expect(last()).toMatchObject({ link: 'https://app.test/invite?email=a***%40acme.test', at: at.toISOString() });
  });

  it('keeps __proto__ keys as data', () => {
    const { log, last } = captureLogger();
    const parsed = JSON.parse('{"__proto__": {"email": "alice@acme.test"}, "ok": 1}') as Record<string, unknown>;
    log.info(parsed);
    const line = last();
    expect(Object.hasOwn(line, '__proto__')).toBe(true);
    expect(JSON.stringify(line)).toContain('a***@acme.test');
    expect(({} as Record<string, unknown>).email).toBeUndefined();
  });
});

describe('createLogger: errors', () => {
  it('keeps the stack and masks personal data in message and stack', () => {
    const { log, last } = captureLogger();
    const err = Object.assign(new Error('no account for alice@acme.test'), {
      phone: '13812345678',
      code: 'E_NO_ACCOUNT',
    });
    log.error({ err }, 'login failed');
    const line = last();
    const logged = line.err as Record<string, unknown>;
    expect(line.msg).toBe('login failed');
    expect(logged.type).toBe('Error');
    expect(logged.message).toBe('no account for a***@acme.test');
    expect(logged.stack).toMatch(/^Error: no account for a\*\*\*@acme\.test\n\s+at /);
    expect(logged.stack).toContain('logger.test.ts');
    expect(logged).toMatchObject({ phone: '*******5678', code: 'E_NO_ACCOUNT' });
    expect(JSON.stringify(line)).not.toContain('alice@');
  });

  it('masks the message pino takes from an error logged on its own', () => {
    const { log, last } = captureLogger();
    log.error(new TypeError('bad card 4111 1111 1111 1111'));
    expect(last()).toMatchObject({
      msg: 'bad card **** **** **** 1111',
      err: { type: 'TypeError', message: 'bad card **** **** **** 1111' },
    });
  });

  it('masks causes and redacts secrets carried by errors', () => {
    const { log, last } = captureLogger();
    const cause = new Error('lookup of bob@acme.test failed');
    const err = Object.assign(new Error('upstream failed', { cause }), {
      config: { headers: { Authorization: 'Bearer secret-token' } },
    });
    log.error({ err });
    const text = JSON.stringify(last());
    expect(text).toContain('b***@acme.test');
    expect(text).not.toContain('bob@');
    expect(text).not.toContain('secret-token');
  });

  it('serializes errors nested under other keys', () => {
    const { log, last } = captureLogger();
    log.warn({ job: { lastError: new RangeError('retry for alice@acme.test') } });
    expect(last().job).toMatchObject({ lastError: { type: 'RangeError', message: 'retry for a***@acme.test' } });
  });
});

describe('createLogger: child loggers', () => {
  it('keep redaction and masking, in lines and bindings', () => {
    const { log, lines } = captureLogger();
    const requestLog = log.child({ requestId: 'r-42', user: 'alice@acme.test' });
    requestLog.info({ body: { password: 'p', phone: '+14155552671' } }, 'sent to bob@acme.test');
    requestLog.child({ step: 'charge' }).error(new Error('card 4242424242424242 declined'));
    expect(lines[0]).toMatchObject({
      requestId: 'r-42',
      user: 'a***@acme.test',
      body: { password: '[REDACTED]', phone: '+*******2671' },
      msg: 'sent to b***@acme.test',
    });
    expect(lines[1]).toMatchObject({
      requestId: 'r-42',
      step: 'charge',
      msg: 'card ************4242 declined',
      err: { message: 'card ************4242 declined' },
    });
  });

  it('scrubs bindings set later', () => {
    const { log, last } = captureLogger();
    const child = log.child({ requestId: 'r-1' });
    child.setBindings({ tenantAdmin: 'carol@acme.test', token: 't' });
    child.info('x');
    expect(last()).toMatchObject({ requestId: 'r-1', tenantAdmin: 'c***@acme.test', token: '[REDACTED]' });
  });
});
