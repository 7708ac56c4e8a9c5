/** Every audit event type auth emits. */
export type AuditEventType =
  | 'login.succeeded'
  | 'login.failed'
  | 'login.mfa_required'
  | 'logout'
  | 'token.refreshed'
  | 'token.refresh_reuse_detected'
  | 'session.revoked'
  | 'password.changed'
  | 'password.reset_requested'
  | 'password.reset'
  | 'apikey.created'
  | 'apikey.revoked'
  | 'mfa.enrolled'
  | 'mfa.enabled'
  | 'mfa.disabled'
  | 'mfa.failed'
  | 'mfa.recovery_code_used'
  | 'mfa.recovery_codes_regenerated'
  | 'permission.denied'
  | 'oauth.login'
  | 'oauth.linked';

/**
 * One audit record. Never put a secret, token, password, code or hash in it: `data` values are
 * ids, counts and reasons only (a test walks every emitted event for secrets).
 */
export interface AuditEvent {
  readonly type: AuditEventType;
  readonly at: string;
  readonly outcome: 'success' | 'failure';
  /** Who did it (user id / API key id), when known. */
  readonly actorId?: string;
  readonly actorType?: 'user' | 'apiKey' | 'service' | 'anonymous';
  /** Whom or what it was done to (user id, session id, key id). */
  readonly subjectId?: string;
  readonly tenantId?: string;
  readonly ip?: string;
  readonly userAgent?: string;
  readonly requestId?: string;
  readonly reason?: string;
  readonly data?: Readonly<Record<string, string | number | boolean>>;
}

/** What callers give; `at`, `ip`, `userAgent`, `requestId` are filled from the request context. */
export type AuditInput = Omit<AuditEvent, 'at'> & { at?: string };

/** How services record audit events (implemented by `AuditLog` in this folder). */
export interface AuditRecorder {
  record(event: AuditInput): void;
}

/** A recorder that drops everything (for services used without auditing). */
export const noAudit: AuditRecorder = { record() {} };
