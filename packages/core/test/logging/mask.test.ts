import { describe, expect, it } from 'vitest';
import { DEFAULT_MASK_PATTERNS, type MaskPattern, maskText } from '../../src/logging/index.js';
import { captureLogger } from './capture.js';

describe('maskText: positives', () => {
  it.each([
    // e-mail: first character and domain stay
    ['alice@acme.test', 'a***@acme.test'],
    ['contact: Bob.Smith+tag@mail.example.co.uk.', 'contact: B***@mail.example.co.uk.'],
    ['/reset?email=alice%40acme.test&x=1', '/reset?email=a***%40acme.test&x=1'],
    ['two: a@x.io, b@y.io', 'two: a***@x.io, b***@y.io'],
    // phones: last 4 digits stay, separators keep the shape
    ['+14155552671', '+*******2671'],
    ['call +44 20 7946 0958 now', 'call +** ** **** 0958 now'],
    ['(415) 555-2671', '(***) ***-2671'],
    ['415-555-2671', '***-***-2671'],
    ['415 555 2671', '*** *** 2671'],
    ['13812345678', '*******5678'],
    ['手机 138 1234 5678', '手机 *** **** 5678'],
    ['tel:15900001111;', 'tel:*******1111;'],
    // national IDs
    ['11010519491231002X', '**************002X'],
    ['id 440308199901011234 ok', 'id **************1234 ok'],
    ['123-45-6789', '***-**-6789'],
    // cards, only when Luhn passes
    ['4111 1111 1111 1111', '**** **** **** 1111'],
    ['4111-1111-1111-1111', '****-****-****-1111'],
    ['4242424242424242', '************4242'],
    ['5555555555554444', '************4444'],
    ['amex 3782 822463 10005', 'amex **** ****** *0005'],
    ['378282246310005', '***********0005'],
    ['6212345678901265', '************1265'],
    // bearer credentials
    ['bad token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl', 'bad token eyJhbGciOiJIUzI1NiJ9.[REDACTED]'],
    ['/auth/reset?token=abc123&next=/', '/auth/reset?token=[REDACTED]&next=/'],
    ['/oauth/callback?code=SplxlOBeZQQYbYS6WxSbIA&state=xyz', '/oauth/callback?code=[REDACTED]&state=xyz'],
    ['/f.png?X-Amz-Signature=deadbeef&X-Amz-Date=20240501', '/f.png?X-Amz-Signature=[REDACTED]&X-Amz-Date=20240501'],
  ])('%s → %s', (input, expected) => {
    expect(maskText(input)).toBe(expected);
  });
});

describe('maskText: negatives stay readable', () => {
  it.each([
    ['ISO timestamp', '2024-05-01T12:30:45.123Z'],
    ['ISO timestamp with offset', '2024-05-01T12:30:45+08:00'],
    ['date', '2024-05-01'],
    ['UUID', '3f2a9c1e-8b7d-4c1a-9e2f-0a1b2c3d4e5f'],
    ['UUID with long digit group', '123e4567-e89b-12d3-a456-426614174000'],
    ['request id', 'req-01HV6Z8Q4K3M2N1P0R9S8T7U6V'],
    ['W3C traceparent', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'],
    ['duration', '12.5'],
    ['duration with unit', 'took 1234.567ms'],
    ['HTTP status', '404'],
    ['status line', 'HTTP/1.1 503 Service Unavailable'],
    ['port', 'localhost:3000'],
    ['listen address', '0.0.0.0:8080'],
    ['IPv4', '192.168.100.200'],
    ['IPv6', '2001:db8:85a3::8a2e:370:7334'],
    ['hex id', '5f3a9c1e8b7d4c1a'],
    ['Mongo ObjectId', '507f1f77bcf86cd799439011'],
    ['sha-256', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['semver', '1.2.3'],
    ['semver with prerelease', 'v10.4.0-beta.12'],
    ['package pin', 'pino@10.4.0'],
    ['scoped package', '@koaforge/core'],
    ['retina asset', '/img/logo@2x.png'],
    ['ms timestamp', '1715000000000'],
    ['unix timestamp', '1715000000'],
    ['bare 10 digits', '4155552671'],
    ['card failing Luhn', '4111 1111 1111 1112'],
    ['too long for a card', '41111111111111111111111'],
    ['user agent', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0'],
    ['content type', 'application/json; charset=utf-8'],
    ['plain query', '/api/orders/42?page=2&sort=-createdAt&countryCode=FR'],
    ['error code', 'AUTH_TOKEN_EXPIRED'],
    ['route template', '/users/:id/orders/:orderId'],
    ['empty', ''],
  ])('%s: %s', (_label, input) => {
    expect(maskText(input)).toBe(input);
  });
});

describe('maskText: patterns', () => {
  it('returns the very same string when nothing matched', () => {
    const text = 'GET /api/orders/42 200 12.5ms';
    expect(maskText(text)).toBe(text);
  });

  it('is idempotent', () => {
    const once = maskText('alice@acme.test +14155552671 4111 1111 1111 1111 11010519491231002X');
    expect(maskText(once)).toBe(once);
  });

  it('uses only the patterns given', () => {
    const onlyEmail = DEFAULT_MASK_PATTERNS.filter((p) => p.name === 'email');
    expect(maskText('alice@acme.test +14155552671', onlyEmail)).toBe('a***@acme.test +14155552671');
    expect(maskText('alice@acme.test', [])).toBe('alice@acme.test');
  });

  it('runs custom patterns, adding the global flag when missing', () => {
    const orderSecret: MaskPattern = { name: 'order-secret', pattern: /osk_[a-z0-9]{8}/, mask: () => 'osk_***' };
    expect(maskText('keys osk_abcd1234 and osk_efgh5678', [orderSecret])).toBe('keys osk_*** and osk_***');
  });

  it('names every default pattern', () => {
    expect(DEFAULT_MASK_PATTERNS.map((p) => p.name)).toEqual([
      'email',
      'jwt',
      'url-secret-param',
      'cn-resident-id',
      'card-number',
      'us-ssn',
      'phone-e164',
      'phone-nanp',
      'phone-cn-mobile',
    ]);
    for (const p of DEFAULT_MASK_PATTERNS) expect(p.pattern.global).toBe(true);
  });

  it('stays linear on hostile input', () => {
    // Patterns run over attacker-controlled URLs and headers: no catastrophic backtracking.
    const hostile = [
      `${'a.'.repeat(50_000)}@`,
      `${'a'.repeat(50_000)}@${'b.'.repeat(50_000)}`,
      `${'1 '.repeat(50_000)}x`,
      `+${'1-'.repeat(50_000)}`,
      `?token=${'x'.repeat(100_000)}`,
      `eyJ${'a'.repeat(50_000)}.eyJ${'b'.repeat(50_000)}`,
    ];
    // Catastrophic backtracking on these would run for minutes and hit the test timeout.
    for (const text of hostile) expect(typeof maskText(text)).toBe('string');
  });
});

describe('masking in log lines', () => {
  it('masks every string value, in nested objects and arrays', () => {
    const { log, last } = captureLogger();
    log.info({
      email: 'alice@acme.test',
      profile: { phones: ['+14155552671', '13812345678'], note: 'card 4111111111111111' },
      count: 13812345678,
    });
    expect(last()).toMatchObject({
      email: 'a***@acme.test',
      profile: { phones: ['+*******2671', '*******5678'], note: 'card ************1111' },
      // Numbers are not strings: only string values are masked.
      count: 13812345678,
    });
  });

  it('masks down to six levels', () => {
    const { log, last } = captureLogger();
    log.info({ a: { b: { c: { d: { e: { f: 'alice@acme.test' } } } } } });
    expect(JSON.stringify(last())).toContain('a***@acme.test');
  });

  it('can be switched off while redaction stays', () => {
    const { log, last } = captureLogger({ mask: false });
    log.info({ email: 'alice@acme.test', password: 'p' }, 'from bob@acme.test');
    expect(last()).toMatchObject({ email: 'alice@acme.test', password: '[REDACTED]', msg: 'from bob@acme.test' });
  });

  it('takes custom patterns instead of the defaults', () => {
    const orderSecret: MaskPattern = { name: 'order-secret', pattern: /osk_\w+/g, mask: () => 'osk_***' };
    const { log, last } = captureLogger({ mask: [orderSecret] });
    log.info({ key: 'osk_live_123', email: 'alice@acme.test' }, 'created osk_live_456');
    expect(last()).toMatchObject({ key: 'osk_***', email: 'alice@acme.test', msg: 'created osk_***' });
  });
});
