import { defineErrors } from '@koaforge/core';

/**
 * The error catalogue of `@koaforge/auth`. Every code is documented in docs/errors.md. 401s carry
 * `WWW-Authenticate` (set where they are thrown). Messages never say whether an account exists.
 */
export const AuthErrors = defineErrors({
  AUTH_REQUIRED: { status: 401, message: 'Authentication is required', title: 'Authentication required' },
  AUTH_TOKEN_INVALID: { status: 401, message: 'The access token is invalid', title: 'Invalid token' },
  AUTH_TOKEN_EXPIRED: { status: 401, message: 'The access token has expired', title: 'Token expired' },
  AUTH_TOKEN_REVOKED: { status: 401, message: 'The access token has been revoked', title: 'Token revoked' },
  AUTH_INVALID_CREDENTIALS: { status: 401, message: 'The email or password is wrong', title: 'Invalid credentials' },
  AUTH_REFRESH_INVALID: {
    status: 401,
    message: 'The refresh token is invalid or expired',
    title: 'Invalid refresh token',
  },
  AUTH_REFRESH_REUSED: {
    status: 401,
    message: 'The refresh token was already used; the session has been revoked',
    title: 'Refresh token reused',
  },
  AUTH_API_KEY_INVALID: { status: 401, message: 'The API key is invalid', title: 'Invalid API key' },
  AUTH_MFA_REQUIRED: {
    status: 401,
    message: 'A second factor is required to complete sign-in',
    title: 'MFA required',
  },
  AUTH_MFA_INVALID: { status: 401, message: 'The one-time code is invalid', title: 'Invalid code' },
  AUTH_MFA_CHALLENGE_INVALID: {
    status: 401,
    message: 'The sign-in challenge is invalid or expired; sign in again',
    title: 'Invalid MFA challenge',
  },
  AUTH_FORBIDDEN: { status: 403, message: 'You do not have permission to do this', title: 'Forbidden' },
  AUTH_SCOPE_ESCALATION: {
    status: 403,
    message: 'A key cannot grant scopes its creator does not have',
    title: 'Scope escalation',
  },
  AUTH_SESSION_NOT_FOUND: { status: 404, message: 'No such session', title: 'Session not found' },
  AUTH_API_KEY_NOT_FOUND: { status: 404, message: 'No such API key', title: 'API key not found' },
  AUTH_USER_NOT_FOUND: { status: 404, message: 'No such user', title: 'User not found' },
  AUTH_RESET_INVALID: { status: 400, message: 'The reset token is invalid or expired', title: 'Invalid reset token' },
  AUTH_PASSWORD_WEAK: { status: 422, message: 'The password does not meet the policy', title: 'Weak password' },
  AUTH_MFA_ALREADY_ENABLED: { status: 409, message: 'MFA is already enabled', title: 'MFA already enabled' },
  AUTH_MFA_NOT_ENROLLED: { status: 409, message: 'No MFA enrollment is pending', title: 'MFA not enrolled' },
  AUTH_USER_EXISTS: {
    status: 409,
    message: 'A user with this email already exists in this tenant',
    title: 'User exists',
  },
  AUTH_OAUTH_STATE_INVALID: {
    status: 400,
    message: 'The sign-in state is missing or wrong',
    title: 'Invalid OAuth state',
  },
  AUTH_OAUTH_REDIRECT_INVALID: {
    status: 400,
    message: 'The redirect target is not allowed',
    title: 'Redirect not allowed',
  },
  AUTH_OAUTH_DENIED: {
    status: 403,
    message: 'The sign-in was cancelled or refused at the identity provider',
    title: 'OAuth sign-in denied',
  },
  AUTH_OAUTH_GRANT_INVALID: {
    status: 400,
    message: 'The identity provider refused the authorization code; sign in again',
    title: 'Invalid OAuth grant',
  },
  AUTH_OAUTH_CODE_INVALID: {
    status: 400,
    message: 'The sign-in code is invalid, used or expired; sign in again',
    title: 'Invalid sign-in code',
  },
  AUTH_OAUTH_FAILED: { status: 502, message: 'The identity provider sign-in failed', title: 'OAuth failed' },
  AUTH_OAUTH_EMAIL_UNVERIFIED: {
    status: 409,
    message: 'The provider did not verify this email; sign in and link the account first',
    title: 'Email not verified',
  },
  AUTH_CONFIG_INVALID: { status: 500, message: 'The auth configuration is invalid' },
});

export type AuthErrorCode = keyof typeof AuthErrors;
