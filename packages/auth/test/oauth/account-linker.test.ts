import { beforeEach, describe, expect, it } from 'vitest';
import type { AuditInput } from '../../src/audit/audit-event.js';
import { OAuthAccountLinker, type OAuthAccountLinkerOptions } from '../../src/oauth/account-linker.js';
import type { OAuthIdentity } from '../../src/oauth/provider.js';
import { TestUserStore } from './support/memory-users.js';

function identity(overrides: Partial<OAuthIdentity> = {}): OAuthIdentity {
  return {
    provider: 'google',
    subject: 'g-1',
    email: 'ann@example.test',
    emailVerified: true,
    profile: {},
    ...overrides,
  };
}

let users: TestUserStore;
let events: AuditInput[];

function linker(options: Partial<OAuthAccountLinkerOptions> = {}): OAuthAccountLinker {
  return new OAuthAccountLinker({ users, audit: { record: (e) => events.push(e) }, ...options });
}

beforeEach(() => {
  users = new TestUserStore();
  events = [];
});

describe('OAuthAccountLinker', () => {
  it('signs in the account already linked to (provider, subject), whatever the e-mail now says', async () => {
    const ann = await users.create({ email: 'ann@example.test', emailVerified: true, externalIds: { google: 'g-1' } });
    const result = await linker().resolve(identity({ email: 'changed@example.test', emailVerified: false }));
    expect(result).toEqual({ user: ann, created: false, linked: false });
    expect(events).toEqual([
      expect.objectContaining({ type: 'oauth.login', outcome: 'success', actorId: ann.id, data: expect.anything() }),
    ]);
  });

  it('links to the existing account when the provider verified the e-mail (audit oauth.linked)', async () => {
    const ann = await users.create({ email: 'ann@example.test', emailVerified: true, externalIds: { github: '7' } });
    const result = await linker().resolve(identity());
    expect(result.linked).toBe(true);
    expect(result.user.externalIds).toEqual({ github: '7', google: 'g-1' });
    expect(events.map((e) => [e.type, e.outcome])).toEqual([
      ['oauth.linked', 'success'],
      ['oauth.login', 'success'],
    ]);
    expect(events[0]).toMatchObject({ subjectId: ann.id, data: { provider: 'google' } });
  });

  it('never links on an unverified provider e-mail (and does not reveal whether the account exists)', async () => {
    await users.create({ email: 'ann@example.test', emailVerified: true });
    const unverified = identity({ subject: 'attacker', emailVerified: false });
    await expect(linker().resolve(unverified)).rejects.toMatchObject({ code: 'AUTH_OAUTH_EMAIL_UNVERIFIED' });
    await expect(
      linker().resolve(identity({ subject: 'x', email: 'nobody@example.test', emailVerified: false })),
    ).rejects.toMatchObject({
      code: 'AUTH_OAUTH_EMAIL_UNVERIFIED',
    });
    expect(await users.findByExternalId('google', 'attacker')).toBeUndefined();
    expect(events.at(-1)).toMatchObject({ type: 'oauth.login', outcome: 'failure', reason: 'email_unverified' });
  });

  it('with unverifiedEmail: separate-account, creates a new account with a placeholder address', async () => {
    const ann = await users.create({ email: 'ann@example.test', emailVerified: true });
    const result = await linker({ unverifiedEmail: 'separate-account' }).resolve(
      identity({ subject: 'other', emailVerified: false }),
    );
    expect(result.created).toBe(true);
    expect(result.user.id).not.toBe(ann.id);
    expect(result.user.email).toMatch(/^google\.[0-9a-f]{32}@oauth\.invalid$/);
    expect(result.user.emailVerified).toBe(false);
    expect((await users.findById(ann.id))?.externalIds).toBeUndefined();
  });

  it('does not link to a local account whose own e-mail is unverified (pre-registration hijack)', async () => {
    const squatter = await users.create({
      email: 'ann@example.test',
      emailVerified: false,
      passwordHash: '$argon2id$x',
    });
    await expect(linker().resolve(identity())).rejects.toMatchObject({ code: 'AUTH_OAUTH_EMAIL_UNVERIFIED' });
    expect((await users.findById(squatter.id))?.externalIds).toBeUndefined();
  });

  it('does not replace a different account of the same provider', async () => {
    await users.create({ email: 'ann@example.test', emailVerified: true, externalIds: { google: 'g-old' } });
    await expect(linker().resolve(identity({ subject: 'g-new' }))).rejects.toMatchObject({ code: 'AUTH_FORBIDDEN' });
  });

  it('creates an account with the verified e-mail when none matches, if sign-up is allowed', async () => {
    const result = await linker({ defaultRoles: ['member'] }).resolve(identity());
    expect(result).toMatchObject({ created: true, linked: false });
    expect(result.user).toMatchObject({
      email: 'ann@example.test',
      emailVerified: true,
      roles: ['member'],
      externalIds: { google: 'g-1' },
    });
    await expect(
      linker({ allowSignup: false }).resolve(identity({ subject: 'g-2', email: 'new@example.test' })),
    ).rejects.toMatchObject({
      code: 'AUTH_FORBIDDEN',
    });
  });

  it('creates WeChat-style accounts (no e-mail) with a placeholder address and finds them again', async () => {
    const wechat = identity({ provider: 'wechat', subject: 'uLi_union', email: undefined, emailVerified: false });
    const first = await linker().resolve(wechat);
    expect(first.created).toBe(true);
    expect(first.user.email).toMatch(/^wechat\.[0-9a-f]{32}@oauth\.invalid$/);
    const again = await linker().resolve(wechat);
    expect(again).toMatchObject({ created: false, user: { id: first.user.id } });
  });

  it('refuses disabled accounts and accounts of another tenant', async () => {
    await users.create({ email: 'ann@example.test', emailVerified: true, externalIds: { google: 'g-1' } });
    const id = (await users.findByExternalId('google', 'g-1'))?.id ?? '';
    await expect(linker().resolve(identity(), { tenantId: 't2' })).rejects.toMatchObject({ code: 'AUTH_FORBIDDEN' });
    await users.update(id, { disabled: true });
    await expect(linker().resolve(identity())).rejects.toMatchObject({ code: 'AUTH_FORBIDDEN' });
  });

  it('links explicitly for a signed-in user, refusing a provider account owned by someone else', async () => {
    const ann = await users.create({ email: 'ann@example.test', emailVerified: true });
    const bob = await users.create({ email: 'bob@example.test', emailVerified: true, externalIds: { github: '42' } });
    const linked = await linker().linkToUser(ann.id, identity({ provider: 'github', subject: '7', email: undefined }));
    expect(linked.externalIds).toEqual({ github: '7' });
    await expect(linker().linkToUser(ann.id, identity({ provider: 'github', subject: '42' }))).rejects.toMatchObject({
      code: 'AUTH_FORBIDDEN',
    });
    expect((await users.findById(bob.id))?.externalIds).toEqual({ github: '42' });
  });

  it('puts no e-mail, token or subject secret into audit events', async () => {
    await linker().resolve(identity());
    await linker()
      .resolve(identity({ subject: 'u', emailVerified: false }))
      .catch(() => undefined);
    expect(JSON.stringify(events)).not.toContain('ann@example.test');
  });
});
