import { describe, expect, it } from 'vitest';
import { AuthErrors } from '../../src/errors.js';
import { createReturnToValidator } from '../../src/oauth/return-to.js';

const validate = createReturnToValidator({
  allowed: ['https://app.example.test/welcome', 'https://app.example.test/account/*'],
  defaultReturnTo: '/home',
});

function code(raw: unknown): string {
  try {
    validate(raw);
    return 'ok';
  } catch (err) {
    return AuthErrors.AUTH_OAUTH_REDIRECT_INVALID.is(err) ? 'AUTH_OAUTH_REDIRECT_INVALID' : String(err);
  }
}

describe('returnTo policy', () => {
  it.each([
    [undefined, '/home'],
    ['', '/home'],
    ['/', '/'],
    ['/dashboard', '/dashboard'],
    ['/dashboard?tab=1#top', '/dashboard?tab=1#top'],
    ['/a/./b/../c', '/a/c'],
    ['/search?q=a%20b', '/search?q=a%20b'],
    ['https://app.example.test/welcome', 'https://app.example.test/welcome'],
    ['HTTPS://APP.EXAMPLE.TEST:443/welcome', 'https://app.example.test/welcome'],
    ['https://app.example.test/account/', 'https://app.example.test/account/'],
    ['https://app.example.test/account/keys?x=1', 'https://app.example.test/account/keys?x=1'],
  ])('accepts %j → %j', (raw, expected) => {
    expect(validate(raw)).toBe(expected);
  });

  // Each of these would send the user to another origin in some browser or behind some proxy.
  it.each([
    ['scheme-relative', '//evil.test'],
    ['scheme-relative with path', '//evil.test/welcome'],
    ['backslash', '/\\evil.test'],
    ['double backslash', '\\\\evil.test'],
    ['backslash inside', '/foo\\..\\\\evil.test'],
    ['triple slash', '///evil.test'],
    ['dot segments to scheme-relative', '/..//evil.test'],
    ['dot segment to scheme-relative', '/.//evil.test'],
    ['scheme without slashes', 'https:evil.test'],
    ['scheme with one slash', 'https:/evil.test'],
    ['not allow-listed', 'https://evil.test/'],
    ['allow-listed host as subdomain', 'https://app.example.test.evil.test/welcome'],
    ['userinfo trick', 'https://app.example.test@evil.test/welcome'],
    ['userinfo on allowed host', 'https://user:pass@app.example.test/welcome'],
    ['exact entry is not a prefix', 'https://app.example.test/welcome/more'],
    ['prefix escaped with dot segments', 'https://app.example.test/account/../admin'],
    ['prefix needs its slash', 'https://app.example.test/accounts-evil'],
    ['other scheme on allowed host', 'http://app.example.test/welcome'],
    ['other port', 'https://app.example.test:8443/welcome'],
    ['javascript:', 'javascript:alert(1)'],
    ['data:', 'data:text/html,hi'],
    ['relative without slash', 'evil.test'],
    ['encoded slashes', '/%2F%2Fevil.test'],
    ['encoded slash lower-case', '/%2f%2fevil.test'],
    ['encoded backslash', '/%5Cevil.test'],
    ['double encoding', '/%252F%252Fevil.test'],
    ['encoded tab', '/%09/evil.test'],
    ['tab', '/\t/evil.test'],
    ['newline', '/\n/evil.test'],
    ['leading space', ' //evil.test'],
    ['non-ASCII slash look-alike', '/／evil.test'],
    ['NUL', '/\u0000/evil.test'],
    ['too long', `/${'a'.repeat(2048)}`],
    ['array (repeated query parameter)', ['/a', '//evil.test']],
    ['number', 42],
  ])('refuses %s', (_name, raw) => {
    expect(code(raw)).toBe('AUTH_OAUTH_REDIRECT_INVALID');
  });

  it('can refuse relative paths altogether', () => {
    const strict = createReturnToValidator({
      allowRelative: false,
      allowed: ['https://app.example.test/'],
      defaultReturnTo: 'https://app.example.test/',
    });
    expect(() => strict('/home')).toThrow(expect.objectContaining({ code: 'AUTH_OAUTH_REDIRECT_INVALID' }));
    expect(strict(undefined)).toBe('https://app.example.test/');
  });

  it('rejects a bad allow-list or default at construction', () => {
    expect(() => createReturnToValidator({ allowed: ['app.example.test'] })).toThrow(
      expect.objectContaining({ code: 'AUTH_CONFIG_INVALID' }),
    );
    expect(() => createReturnToValidator({ allowed: ['https://u@app.example.test/'] })).toThrow(
      expect.objectContaining({ code: 'AUTH_CONFIG_INVALID' }),
    );
    expect(() => createReturnToValidator({ defaultReturnTo: 'https://evil.test/' })).toThrow(
      expect.objectContaining({ code: 'AUTH_CONFIG_INVALID' }),
    );
  });
});
