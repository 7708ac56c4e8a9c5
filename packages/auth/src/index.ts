// The public surface of @koaforge/auth. Nothing else is exported.
export { type AuthErrorCode, AuthErrors } from './errors.js';
export type { AuditEvent, AuditEventType, AuditInput, AuditRecorder } from './audit/audit-event.js';
export { noAudit } from './audit/audit-event.js';
export type { AuthUser, NewUser, UserPatch, UserStore } from './users/user-store.js';
export type { SessionRevoker } from './sessions/session-revoker.js';
