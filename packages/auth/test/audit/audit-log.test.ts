import { EventBus, requestContext } from '@koaforge/core';
import { listenKoa } from '@koaforge/core/testing';
import Koa from 'koa';
import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../src/audit/audit-event.js';
import { AuditLog, AuthAuditEvent } from '../../src/audit/audit-log.js';
import { MemoryAuditSink } from '../../src/audit/audit-sinks.js';
import { looksSecret } from '../../src/audit/secret-guard.js';
import { captureLogger } from './log-capture.js';

const NOW = Date.parse('2026-01-01T12:00:00Z');

describe('AuditLog', () => {
  it('fills `at`, writes one info line { audit } through the logger sink, and emits auth.audit on the bus', async () => {
    const { logger, lines } = captureLogger();
    const bus = new EventBus();
    const emitted: AuditEvent[] = [];
    bus.on(AuthAuditEvent, (e) => {
      emitted.push(e);
    });
    const audit = new AuditLog({ logger, bus, now: () => NOW });
    audit.record({ type: 'logout', outcome: 'success', actorId: 'u-1', actorType: 'user', subjectId: 's-1' });
    await new Promise((r) => setImmediate(r));
    const expected = {
      type: 'logout',
      outcome: 'success',
      actorId: 'u-1',
      actorType: 'user',
      subjectId: 's-1',
      at: '2026-01-01T12:00:00.000Z',
    };
    expect(emitted).toEqual([expected]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 30, msg: 'audit logout', audit: expected });
  });

  it('takes ip, user agent, request id and tenant from the current request context', async () => {
    const sink = new MemoryAuditSink();
    const audit = new AuditLog({ sinks: [sink] });
    const koa = new Koa();
    koa.use(requestContext());
    koa.use(async (ctx) => {
      ctx.state.requestContext?.setTenant({ id: 'acme' });
      audit.record({ type: 'login.failed', outcome: 'failure', reason: 'wrong_password' });
      audit.record({ type: 'login.failed', outcome: 'failure', ip: '192.0.2.1', tenantId: 'globex' });
      ctx.status = 204;
    });
    const { base, close } = await listenKoa(koa);
    try {
      await fetch(`${base}/`, {
        headers: { 'user-agent': 'audit-test/1.0', 'x-request-id': 'req-123' },
      });
    } finally {
      await close();
    }
    const [fromContext, explicit] = sink.events();
    expect(fromContext).toMatchObject({
      ip: '127.0.0.1',
      userAgent: 'audit-test/1.0',
      requestId: 'req-123',
      tenantId: 'acme',
    });
    expect(explicit).toMatchObject({ ip: '192.0.2.1', tenantId: 'globex', requestId: 'req-123' });
  });

  it('outside a request it records what it was given', () => {
    const sink = new MemoryAuditSink();
    new AuditLog({ sinks: [sink], now: () => NOW }).record({ type: 'mfa.enabled', outcome: 'success' });
    expect(sink.events()).toEqual([{ type: 'mfa.enabled', outcome: 'success', at: '2026-01-01T12:00:00.000Z' }]);
  });

  it('drops secret-looking data values with a warning that names the field, never the value', () => {
    const { logger, lines, raw } = captureLogger();
    const sink = new MemoryAuditSink();
    const audit = new AuditLog({ sinks: [sink], logger });
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1LTEiLCJpYXQiOjE3MDAwMDAwMDB9.c2lnbmF0dXJlLXNpZ25hdHVyZS1zaWduYXR1cmU';
    const values = {
      jwt,
      randomToken: 'Zx8qL0pW3vN7yT2bR5mK9cH1dF4gJ6sA',
      sha: `${'a'.repeat(20)}0123456789abcdef0123456789abcdef`,
      phc: '$argon2id$v=19$m=19456,p=1,t=2$c2FsdA$aGFzaA',
      totpSecret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP',
      password: 'hunter2',
      code: '123456',
      refreshToken: 'short',
      // Kept: ids, counts, words, reasons.
      sessionId: 'Zx8qL0pW3vN7yT2bR5mK9c',
      userId: '0b5c2e7e-5a7d-4c8e-9b1a-2f3e4d5c6b7a',
      ulid: '01HV8Z6J3Q9X4M2N7P5R1T0W8Y',
      remaining: 9,
      method: 'recovery_code',
      blocked: false,
    };
    audit.record({ type: 'mfa.failed', outcome: 'failure', data: values });
    expect(sink.events()[0]?.data).toEqual({
      sessionId: values.sessionId,
      userId: values.userId,
      ulid: values.ulid,
      remaining: 9,
      method: 'recovery_code',
      blocked: false,
    });
    expect(lines).toEqual([
      expect.objectContaining({
        level: 40,
        auditType: 'mfa.failed',
        fields: ['jwt', 'randomToken', 'sha', 'phc', 'totpSecret', 'password', 'code', 'refreshToken'],
      }),
    ]);
    for (const value of [jwt, values.randomToken, values.phc, values.totpSecret, 'hunter2']) {
      expect(raw.join('\n')).not.toContain(value);
    }
  });

  it('looksSecret: tokens and hashes yes; ids, e-mails, user agents and sentences no', () => {
    for (const yes of ['dGhpcyBpcyBhIHNlY3JldCB0b2tlbg', 'f'.repeat(64), 'kf_Ab3dEf6hIj9kLmN0pQrStUv']) {
      expect(looksSecret(yes), yes).toBe(true);
    }
    for (const no of [
      '0b5c2e7e-5a7d-4c8e-9b1a-2f3e4d5c6b7a',
      'alice@acme.test',
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36',
      'the account is disabled',
      'unknown_or_used_token',
      'short',
    ]) {
      expect(looksSecret(no), no).toBe(false);
    }
  });

  it('a failing sink is logged and does not stop the others or the caller', async () => {
    const { logger, lines } = captureLogger();
    const good = new MemoryAuditSink();
    const audit = new AuditLog({
      logger,
      sinks: [
        {
          write() {
            throw new Error('disk full');
          },
        },
        { write: () => Promise.reject(new Error('siem down')) },
        good,
      ],
    });
    expect(() => audit.record({ type: 'logout', outcome: 'success' })).not.toThrow();
    await new Promise((r) => setImmediate(r));
    expect(good.events()).toHaveLength(1);
    expect(lines.filter((l) => l.msg === 'audit: a sink failed to write an event')).toHaveLength(2);
  });
});
