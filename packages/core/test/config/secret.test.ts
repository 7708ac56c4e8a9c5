import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Config, REDACTED, secret } from '../../src/config/index.js';
import { thrown } from './fixtures.js';

const SECRET = 'correct-horse-battery-staple-0123456789';

const AuthSchema = z.object({
  jwt: z.object({
    signingKey: secret(z.string(), { minBytes: 32 }),
    issuer: z.string(),
  }),
  oauth: z
    .object({
      clientSecret: z.string(),
      clientId: z.string(),
    })
    .optional(),
  webhookKeys: z.record(z.string(), secret(z.string())).default({}),
  fallbackKey: secret(z.string()).optional(),
  pepper: secret(z.string().min(8)).default('default-pepper'),
});

function loadAuth(env: Record<string, string> = {}): Config {
  return Config.load({
    env,
    defaults: {
      auth: {
        jwt: { signingKey: SECRET, issuer: 'koaforge' },
        oauth: { clientSecret: SECRET, clientId: 'client-1' },
        webhookKeys: { github: SECRET },
        fallbackKey: SECRET,
        pepper: SECRET,
      },
      db: { password: SECRET, user: 'app', apiKey: SECRET, privateKey: SECRET, tokens: [SECRET] },
    },
  });
}

/** Every way a config can be printed. */
function printed(config: Config): string[] {
  return [
    JSON.stringify(config),
    inspect(config, { depth: Number.POSITIVE_INFINITY }),
    JSON.stringify(config.redacted()),
    String(JSON.stringify(config.explain('auth'))),
    String(JSON.stringify(config.explain('db'))),
    String(config),
  ];
}

describe('secret redaction', () => {
  it('redacts keys named like secrets without any schema', () => {
    const config = Config.load({ env: {}, defaults: { db: loadAuth().get('db') } });
    expect(config.redacted().db).toEqual({
      password: REDACTED,
      user: 'app',
      apiKey: REDACTED,
      privateKey: REDACTED,
      tokens: REDACTED,
    });
    for (const text of printed(config)) expect(text).not.toContain(SECRET);
  });

  it('redacts schema-marked secrets through objects, optional, default and records once the section is known', () => {
    const config = loadAuth();
    // Before the schema is known only key names count: `signingKey` does not look secret.
    expect(config.get('auth.jwt.signingKey')).toBe(SECRET);
    expect(config.explain('auth.jwt.signingKey')?.value).toBe(SECRET);

    config.section('auth', AuthSchema);
    expect(config.redacted().auth).toEqual({
      jwt: { signingKey: REDACTED, issuer: 'koaforge' },
      oauth: { clientSecret: REDACTED, clientId: 'client-1' },
      webhookKeys: { github: REDACTED },
      fallbackKey: REDACTED,
      pepper: REDACTED,
    });
    expect(config.explain('auth.jwt.signingKey')).toMatchObject({ value: REDACTED, layer: 'default' });
    for (const text of printed(config)) expect(text).not.toContain(SECRET);
    expect(inspect(config)).toMatch(/^Config \{/);
    // `get` and `section` still give the real value to code that asks for it.
    expect(config.get('auth.jwt.signingKey')).toBe(SECRET);
    expect(config.section('auth', AuthSchema).jwt.signingKey).toBe(SECRET);
  });

  it('finds secrets inside arrays, unions, pipes and lazy schemas', () => {
    const config = Config.load({
      env: {},
      defaults: {
        s: { list: [{ key: SECRET }], either: SECRET, piped: SECRET, tree: { key: SECRET, child: { key: SECRET } } },
      },
    });
    type Node = { key: string; child?: Node };
    const NodeSchema: z.ZodType<Node> = z.lazy(() =>
      z.object({ key: secret(z.string()), child: NodeSchema.optional() }),
    );
    config.section(
      's',
      z.object({
        list: z.array(z.object({ key: secret(z.string()) })),
        either: z.union([z.number(), secret(z.string())]),
        piped: secret(z.string()).transform((s) => s.length),
        tree: NodeSchema,
      }),
    );
    expect(JSON.stringify(config)).not.toContain(SECRET);
    expect(config.redacted().s).toEqual({
      list: [{ key: REDACTED }],
      either: REDACTED,
      piped: REDACTED,
      tree: { key: REDACTED, child: { key: REDACTED } },
    });
  });

  it('does not mark the schema it was given, only the returned copy', () => {
    const shared = z.string().min(1);
    const config = Config.load({ env: {}, defaults: { a: { x: SECRET, y: 'visible' } } });
    config.section('a', z.object({ x: secret(shared), y: shared }));
    expect(config.redacted().a).toEqual({ x: REDACTED, y: 'visible' });
  });

  it('keeps marks through refinements added after secret()', () => {
    const config = Config.load({ env: {}, defaults: { a: { x: SECRET } } });
    config.section('a', z.object({ x: secret(z.string()).min(3).describe('the key') }));
    expect(config.redacted().a).toEqual({ x: REDACTED });
  });
});

describe('secrets in validation errors', () => {
  it('names the key and source but never the value', () => {
    const config = loadAuth({ KOAFORGE_AUTH__JWT__SIGNING_KEY: 'short-secret-value' });
    const err = thrown(() => config.section('auth', AuthSchema));
    expect(err.message).toBe(
      'Invalid config: auth.jwt.signingKey (set by env KOAFORGE_AUTH__JWT__SIGNING_KEY): must be at least 32 bytes',
    );
    expect(JSON.stringify(err.details)).not.toContain('short-secret-value');
  });

  it('hides values of keys named like secrets and secrets inside reported objects', () => {
    const config = Config.load({
      env: { KOAFORGE_DB__PASSWORD: 'hunter2-password' },
      defaults: { mail: { smtp: { host: 'h', password: 'hunter3-password' } } },
    });
    const db = thrown(() => config.section('db', z.object({ password: z.number() })));
    expect(db.message).toBe(
      'Invalid config: db.password (set by env KOAFORGE_DB__PASSWORD): expected number, received string',
    );
    const mail = thrown(() => config.section('mail', z.object({ smtp: z.string() })));
    expect(mail.message).toContain(`value {"host":"h","password":"${REDACTED}"}`);
    for (const err of [db, mail]) {
      expect(`${err.message} ${JSON.stringify(err.details)}`).not.toMatch(/hunter[23]/);
    }
  });
});

describe('minBytes', () => {
  const schema = z.object({ key: secret(z.string(), { minBytes: 32 }) });

  it('counts UTF-8 bytes, not characters', () => {
    // 16 characters of 2 bytes each: 32 bytes.
    const config = Config.load({ env: {}, defaults: { a: { key: 'é'.repeat(16) } } });
    expect(config.section('a', schema).key).toBe('é'.repeat(16));
    const short = Config.load({ env: {}, defaults: { a: { key: 'e'.repeat(31) } } });
    expect(() => short.section('a', schema)).toThrow(
      'Invalid config: a.key (set by defaults): must be at least 32 bytes',
    );
  });

  it('reports a missing secret as not set', () => {
    const config = Config.load({ env: {} });
    expect(() => config.section('a', schema)).toThrow(
      'Invalid config: a.key (not set): expected string, received undefined',
    );
  });

  it('rejects a bad minBytes', () => {
    expect(() => secret(z.string(), { minBytes: -1 })).toThrow(TypeError);
  });
});
