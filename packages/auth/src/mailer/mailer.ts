/** One e-mail. `to` is a single address; `text` is required so every client can read it. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
}

/**
 * How auth sends mail (password reset links). `SmtpMailer` sends through an SMTP server,
 * `MemoryOutbox` keeps messages for development and tests; implement it over any provider's API.
 */
export interface Mailer {
  send(message: MailMessage): Promise<void>;
}
