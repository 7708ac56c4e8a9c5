import { lazyModule } from '@koaforge/core';
import type { Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import { AuthErrors } from '../errors.js';

// Loaded when an SMTP mailer is made: apps that keep mail in memory never pay for it at start.
const nodemailer = lazyModule<typeof import('nodemailer')>('nodemailer', import.meta.url);

import type { Mailer, MailMessage } from './mailer.js';

export interface SmtpMailerOptions {
  /**
   * `smtp://user:pass@host:587` (STARTTLS when offered) or `smtps://…:465` (TLS from the start).
   * It may hold credentials: it is never logged; `target` shows host and port only.
   */
  smtpUrl: string;
  /** The sender, e.g. `"Acme" <no-reply@acme.test>`. */
  from: string;
  /**
   * Connection, greeting and socket timeouts in ms. Default 10 000: nodemailer's own defaults (2
   * minutes to connect, 10 minutes of socket idle) would hold a background send far too long.
   */
  timeoutMs?: number;
}

/** One address, no list separators or line breaks: a reset link must reach exactly one mailbox. */
const SINGLE_ADDRESS = /^[^\s,;<>"]+@[^\s,;<>"]+$/;

/**
 * Sends mail through an SMTP server with nodemailer.
 *
 * @example
 * const mailer = new SmtpMailer({ smtpUrl: process.env.SMTP_URL!, from: 'no-reply@acme.test' });
 * await mailer.send({ to: 'alice@acme.test', subject: 'Hi', text: 'Hello' });
 * await mailer.close();
 */
export class SmtpMailer implements Mailer {
  /** `host:port`, for logs and health checks. */
  readonly target: string;
  readonly #transport: Transporter<SMTPTransport.SentMessageInfo>;

  constructor(options: SmtpMailerOptions) {
    let url: URL;
    try {
      url = new URL(options.smtpUrl);
    } catch {
      throw AuthErrors.AUTH_CONFIG_INVALID('smtpUrl is not a URL');
    }
    if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') {
      throw AuthErrors.AUTH_CONFIG_INVALID(`smtpUrl must be smtp:// or smtps:// (got ${url.protocol})`);
    }
    if (!options.from) throw AuthErrors.AUTH_CONFIG_INVALID('the mailer needs a `from` address');
    this.target = `${url.hostname}:${url.port || (url.protocol === 'smtps:' ? '465' : '587')}`;
    // nodemailer reads transport options of a URL from its query only (an options object with
    // `url` drops its other keys), so the timeouts go there unless the URL sets its own.
    const timeout = String(options.timeoutMs ?? 10_000);
    for (const name of ['connectionTimeout', 'greetingTimeout', 'socketTimeout']) {
      if (!url.searchParams.has(name)) url.searchParams.set(name, timeout);
    }
    this.#transport = nodemailer().createTransport(url.toString(), { from: options.from });
  }

  async send(message: MailMessage): Promise<void> {
    if (!SINGLE_ADDRESS.test(message.to)) throw new TypeError('SmtpMailer.send: `to` must be one plain address');
    await this.#transport.sendMail({
      to: message.to,
      subject: message.subject,
      text: message.text,
      ...(message.html !== undefined && { html: message.html }),
    });
  }

  /** Connect and authenticate without sending (a readiness check). */
  async verify(): Promise<void> {
    await this.#transport.verify();
  }

  close(): void {
    this.#transport.close();
  }
}
