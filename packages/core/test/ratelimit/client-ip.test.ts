import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { clientIp, ipKey, normalizeIp } from '../../src/http/client-ip.js';

const req = (remoteAddress: string | undefined, xff?: string) =>
  ({
    socket: { remoteAddress },
    headers: xff === undefined ? {} : { 'x-forwarded-for': xff },
  }) as unknown as IncomingMessage;

describe('clientIp', () => {
  it('is the socket peer without trusted proxies, whatever X-Forwarded-For says', () => {
    expect(clientIp(req('198.51.100.9', '203.0.113.1'))).toBe('198.51.100.9');
    expect(clientIp(req('198.51.100.9', '203.0.113.1'), { trustedProxyHops: 0 })).toBe('198.51.100.9');
  });

  it('takes the Nth address from the right with N trusted hops, never the leftmost', () => {
    const chain = '1.1.1.1, 203.0.113.5, 10.0.0.2';
    expect(clientIp(req('10.0.0.3', chain), { trustedProxyHops: 1 })).toBe('10.0.0.2');
    expect(clientIp(req('10.0.0.3', chain), { trustedProxyHops: 2 })).toBe('203.0.113.5');
    // Rotating the leftmost entry changes nothing a trusted proxy wrote.
    expect(clientIp(req('10.0.0.3', '9.9.9.9, 203.0.113.5, 10.0.0.2'), { trustedProxyHops: 2 })).toBe('203.0.113.5');
  });

  it('takes the leftmost valid address when the chain is shorter than the hops, the peer when there is none', () => {
    expect(clientIp(req('10.0.0.3', '203.0.113.5'), { trustedProxyHops: 3 })).toBe('203.0.113.5');
    expect(clientIp(req('10.0.0.3'), { trustedProxyHops: 1 })).toBe('10.0.0.3');
    expect(clientIp(req('10.0.0.3', ''), { trustedProxyHops: 1 })).toBe('10.0.0.3');
  });

  it('skips entries that are not addresses', () => {
    expect(clientIp(req('10.0.0.3', '203.0.113.5, unknown, , not-an-ip'), { trustedProxyHops: 1 })).toBe('203.0.113.5');
    expect(clientIp(req('10.0.0.3', 'garbage'), { trustedProxyHops: 1 })).toBe('10.0.0.3');
  });

  it('reads ports and brackets, and normalises IPv4-mapped IPv6', () => {
    expect(clientIp(req('10.0.0.3', '203.0.113.5:4711'), { trustedProxyHops: 1 })).toBe('203.0.113.5');
    expect(clientIp(req('10.0.0.3', '[2001:DB8::1]:443'), { trustedProxyHops: 1 })).toBe('2001:db8::1');
    expect(clientIp(req('10.0.0.3', '::ffff:203.0.113.5'), { trustedProxyHops: 1 })).toBe('203.0.113.5');
    expect(clientIp(req('::ffff:127.0.0.1'))).toBe('127.0.0.1');
    expect(clientIp(req(undefined))).toBeUndefined();
  });
});

describe('normalizeIp', () => {
  it('gives RFC 5952 text for IPv6, IPv4 for mapped addresses, undefined for anything else', () => {
    expect(normalizeIp('2001:0DB8:0000:0000:0000:0000:0000:0001')).toBe('2001:db8::1');
    expect(normalizeIp('2001:db8:0:0:1:0:0:1')).toBe('2001:db8::1:0:0:1');
    expect(normalizeIp('::ffff:7f00:1')).toBe('127.0.0.1');
    expect(normalizeIp('fe80::1%eth0')).toBe('fe80::1');
    expect(normalizeIp('::')).toBe('::');
    expect(normalizeIp('1.2.3.4')).toBe('1.2.3.4');
    expect(normalizeIp('1.2.3')).toBeUndefined();
    expect(normalizeIp('')).toBeUndefined();
  });
});

describe('ipKey', () => {
  it('groups IPv6 by /64 by default and leaves IPv4 alone', () => {
    expect(ipKey('2001:db8:1:2:aaaa:bbbb:cccc:dddd')).toBe('2001:db8:1:2::/64');
    expect(ipKey('2001:db8:1:2::1')).toBe('2001:db8:1:2::/64');
    expect(ipKey('2001:db8:1:3::1')).toBe('2001:db8:1:3::/64');
    expect(ipKey('203.0.113.5')).toBe('203.0.113.5');
  });

  it('takes other prefix lengths', () => {
    expect(ipKey('2001:db8:1:2:3:4:5:6', { ipv6Prefix: 48 })).toBe('2001:db8:1::/48');
    expect(ipKey('2001:db8:1:2ff:3:4:5:6', { ipv6Prefix: 56 })).toBe('2001:db8:1:200::/56');
    expect(ipKey('2001:db8::1', { ipv6Prefix: 128 })).toBe('2001:db8::1');
    expect(ipKey('::ffff:1.2.3.4')).toBe('1.2.3.4');
  });
});
