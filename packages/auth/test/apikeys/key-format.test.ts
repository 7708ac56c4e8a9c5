import { describe, expect, it } from 'vitest';
import {
  API_KEY_LENGTH,
  API_KEY_PATTERN,
  apiKeyPrefix,
  generateApiKey,
  parseApiKey,
  randomBase62,
} from '../../src/apikeys/key-format.js';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

describe('API key format', () => {
  it('generates kf_<env>_<id>_<secret>_<checksum> keys that parse back', () => {
    const k = generateApiKey('live');
    expect(k.key).toHaveLength(API_KEY_LENGTH);
    expect(k.key.startsWith(`${k.prefix}_`)).toBe(true);
    expect(k.prefix).toBe(apiKeyPrefix('live', k.id));
    expect(parseApiKey(k.key)).toEqual({ environment: 'live', id: k.id, secret: k.secret });
    expect(parseApiKey(generateApiKey('test').key)?.environment).toBe('test');
    expect(generateApiKey('live').key).not.toBe(k.key);
  });

  it('is matched by the documented scanner pattern, inside text', () => {
    const { key } = generateApiKey('live');
    expect(API_KEY_PATTERN.test(`export KF_KEY="${key}" # prod`)).toBe(true);
    const all = `a ${key} b ${generateApiKey('test').key}`.match(new RegExp(API_KEY_PATTERN.source, 'g'));
    expect(all).toHaveLength(2);
    expect(API_KEY_PATTERN.test(`${key}x`)).toBe(false);
  });

  it('rejects every one-character typo, truncation and extension through the checksum or the shape', () => {
    const { key } = generateApiKey('live');
    let checked = 0;
    for (let i = 0; i < key.length; i++) {
      const c = key[i]!;
      if (!ALPHABET.includes(c)) continue;
      for (const replacement of [
        ALPHABET[(ALPHABET.indexOf(c) + 1) % 62]!,
        ALPHABET[(ALPHABET.indexOf(c) + 31) % 62]!,
      ]) {
        expect(parseApiKey(key.slice(0, i) + replacement + key.slice(i + 1))).toBeUndefined();
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(100);
    // Two adjacent characters swapped (a common typo).
    const swap = key.slice(0, 20) + key[21] + key[20] + key.slice(22);
    if (swap !== key) expect(parseApiKey(swap)).toBeUndefined();
    expect(parseApiKey(key.slice(0, -1))).toBeUndefined();
    expect(parseApiKey(`${key}a`)).toBeUndefined();
    expect(parseApiKey(` ${key.slice(1)}`)).toBeUndefined();
    for (const bad of [undefined, null, 42, '', 'kf_live_', 'x'.repeat(10_000)])
      expect(parseApiKey(bad)).toBeUndefined();
  });

  it('draws random base62 without bias toward the first characters', () => {
    const s = randomBase62(62 * 400);
    const counts = new Map<string, number>();
    for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(62);
    // Expected 400 each; modulo bias on bytes would give the first 8 characters ~25% more.
    const first8 = [...ALPHABET.slice(0, 8)].reduce((n, c) => n + (counts.get(c) ?? 0), 0) / 8;
    expect(first8).toBeLessThan(460);
  });
});
