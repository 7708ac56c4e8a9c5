import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerAddress } from 'smtp-server';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SmtpMailer } from '../../src/mailer/smtp-mailer.js';
import { PasswordHasher } from '../../src/passwords/password-hasher.js';
import { MemoryResetTokenStore } from '../../src/reset/memory-reset-token-store.js';
import { PasswordReset } from '../../src/reset/password-reset.js';
import { FakeUserStore, PASSWORD, TEST_ARGON2 } from '../passwords/fake-user-store.js';
import { FakeSessionRevoker } from '../reset/fake-session-revoker.js';

interface Received {
  from: string | undefined;
  to: string[];
  user: string | undefined;
  raw: string;
}

/**
 * A real SMTP server (the `smtp-server` package) on 127.0.0.1 with an OS-chosen port, so nodemailer
 * speaks real SMTP over a real socket. `authOptional: true` accepts unauthenticated senders, and
 * STARTTLS is disabled: the test server has no certificate, and nodemailer would otherwise try to
 * upgrade the connection. `allowInsecureAuth` lets one test log in over this plain connection.
 */
let server: SMTPServer;
let port: number;
const received: Received[] = [];

beforeAll(async () => {
  server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === 'mailer' && auth.password === 'p@ss:word') callback(null, { user: auth.username });
      else callback(new Error('Invalid username or password'));
    },
    onRcptTo(address, _session, callback) {
      if (address.address.endsWith('@rejected.test')) callback(new Error('Mailbox unavailable'));
      else callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const from = session.envelope.mailFrom;
        received.push({
          from: from === false ? undefined : from.address,
          to: session.envelope.rcptTo.map((r: SMTPServerAddress) => r.address),
          user: typeof session.user === 'string' ? session.user : undefined,
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  received.length = 0;
});

/** The decoded text body of a single-part message (7bit, quoted-printable or base64). */
function textBody(raw: string): string {
  const split = raw.indexOf('\r\n\r\n');
  const headers = raw.slice(0, split);
  const body = raw.slice(split + 4);
  const encoding = /content-transfer-encoding:\s*([\w-]+)/i.exec(headers)?.[1]?.toLowerCase();
  if (encoding === 'base64') return Buffer.from(body.replace(/\s/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') {
    return body
      .replace(/=\r\n/g, '')
      .replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
  }
  return body;
}

describe('SmtpMailer against a real SMTP server', () => {
  it('delivers to the recipient with subject and body', async () => {
    const mailer = new SmtpMailer({ smtpUrl: `smtp://127.0.0.1:${port}`, from: 'no-reply@acme.test' });
    try {
      await mailer.send({ to: 'alice@acme.test', subject: 'Hello there', text: 'Line one\nhttps://x.test/#a=b' });
    } finally {
      mailer.close();
    }
    expect(received).toHaveLength(1);
    const [mail] = received;
    expect(mail?.from).toBe('no-reply@acme.test');
    expect(mail?.to).toEqual(['alice@acme.test']);
    expect(mail?.raw).toMatch(/^Subject: Hello there\r$/m);
    expect(textBody(mail?.raw ?? '')).toContain('https://x.test/#a=b');
  });

  it('carries a password reset link end to end', async () => {
    const users = new FakeUserStore();
    const hasher = new PasswordHasher(TEST_ARGON2);
    await users.create({ email: 'alice@acme.test', passwordHash: await hasher.hash(PASSWORD) });
    const mailer = new SmtpMailer({ smtpUrl: `smtp://127.0.0.1:${port}`, from: '"Acme" <no-reply@acme.test>' });
    const reset = new PasswordReset({
      users,
      hasher,
      store: new MemoryResetTokenStore(),
      mailer,
      sessions: new FakeSessionRevoker(),
      origin: 'https://app.acme.test',
    });
    try {
      await reset.request('alice@acme.test');
      await reset.settled();
    } finally {
      mailer.close();
    }
    expect(received).toHaveLength(1);
    expect(received[0]?.to).toEqual(['alice@acme.test']);
    expect(received[0]?.raw).toMatch(/^Subject: Reset your password\r$/m);
    const body = textBody(received[0]?.raw ?? '');
    const token = /https:\/\/app\.acme\.test\/reset-password#token=([A-Za-z0-9_-]{43})/.exec(body)?.[1];
    expect(token).toBeDefined();
    await expect(reset.reset(token, 'a-brand-new-long-password')).resolves.toBeDefined();
  });

  it('authenticates with credentials from the URL and never shows them in `target`', async () => {
    const smtpUrl = `smtp://mailer:${encodeURIComponent('p@ss:word')}@127.0.0.1:${port}`;
    const mailer = new SmtpMailer({ smtpUrl, from: 'no-reply@acme.test' });
    try {
      expect(mailer.target).toBe(`127.0.0.1:${port}`);
      await mailer.send({ to: 'bob@acme.test', subject: 'Authenticated', text: 'hi' });
    } finally {
      mailer.close();
    }
    expect(received[0]?.user).toBe('mailer');
  });

  it('rejects when the server refuses the recipient', async () => {
    const mailer = new SmtpMailer({ smtpUrl: `smtp://127.0.0.1:${port}`, from: 'no-reply@acme.test' });
    try {
      await expect(mailer.send({ to: 'x@rejected.test', subject: 's', text: 't' })).rejects.toThrow(/unavailable/i);
    } finally {
      mailer.close();
    }
  });

  it('sends to exactly one address: lists and header injection are refused', async () => {
    const mailer = new SmtpMailer({ smtpUrl: `smtp://127.0.0.1:${port}`, from: 'no-reply@acme.test' });
    try {
      for (const to of ['a@acme.test, evil@evil.test', 'a@acme.test\r\nBcc: evil@evil.test', 'nobody']) {
        await expect(mailer.send({ to, subject: 's', text: 't' })).rejects.toThrow(TypeError);
      }
    } finally {
      mailer.close();
    }
    expect(received).toEqual([]);
  });

  it('refuses a URL that is not smtp:// or smtps://', () => {
    expect(() => new SmtpMailer({ smtpUrl: 'http://127.0.0.1:25', from: 'a@b.test' })).toThrow(/smtp/);
    expect(() => new SmtpMailer({ smtpUrl: 'not a url', from: 'a@b.test' })).toThrow(/URL/);
  });
});
