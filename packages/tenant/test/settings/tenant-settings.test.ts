import { Config, RequestContext, runWithContext, secret } from '@koaforge/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type TenantRecord, TenantSettings } from '../../src/index.js';

const Uploads = z.object({
  maxBytes: z.number().int().positive().max(5_000_000_000).default(10_000_000),
  types: z.array(z.string()).default(['image/png']),
  scan: z.object({ enabled: z.boolean().default(true), engine: z.enum(['clam', 'none']).default('clam') }).default({
    enabled: true,
    engine: 'clam',
  }),
});

const Mail = z.object({ from: z.string().email(), smtpPassword: secret(z.string().min(8)) });

function setup(records: Record<string, TenantRecord>) {
  const config = Config.load({
    file: false,
    env: {},
    defaults: {
      uploads: { maxBytes: 20_000_000, scan: { engine: 'clam' } },
      mail: { from: 'noreply@example.com', smtpPassword: 'app-secret-password' },
    },
  });
  let loads = 0;
  const settings = new TenantSettings({
    config,
    records: async (id) => {
      loads++;
      return records[id];
    },
  });
  return { settings, config, loads: () => loads };
}

describe('TenantSettings', () => {
  it('deep-merges the tenant overrides over the app section and validates with the same schema', async () => {
    const records: Record<string, TenantRecord> = {
      acme: { id: 'acme', settings: { uploads: { maxBytes: 1_000_000_000, scan: { enabled: false } } } },
      globex: { id: 'globex' },
    };
    const { settings } = setup(records);
    expect(await settings.get('uploads', Uploads, 'acme')).toEqual({
      maxBytes: 1_000_000_000,
      types: ['image/png'],
      scan: { enabled: false, engine: 'clam' },
    });
    expect(await settings.get('uploads', Uploads, 'globex')).toMatchObject({ maxBytes: 20_000_000 });
  });

  it('reads the current tenant, and needs one', async () => {
    const { settings } = setup({ acme: { id: 'acme', settings: { uploads: { maxBytes: 5 } } } });
    const rc = new RequestContext({ requestId: 'r' });
    rc.setTenant({ id: 'acme' });
    expect((await runWithContext(rc, () => settings.get('uploads', Uploads))).maxBytes).toBe(5);
    await expect(settings.get('uploads', Uploads)).rejects.toMatchObject({ code: 'TENANT_REQUIRED', status: 400 });
    await expect(settings.get('uploads', Uploads, 'nobody')).rejects.toMatchObject({ code: 'TENANT_NOT_FOUND' });
  });

  it('caches per tenant, section and schema until invalidated', async () => {
    const records: Record<string, TenantRecord> = { acme: { id: 'acme', settings: { uploads: { maxBytes: 5 } } } };
    const { settings, loads } = setup(records);
    const first = await settings.get('uploads', Uploads, 'acme');
    expect(await settings.get('uploads', Uploads, 'acme')).toBe(first);
    expect(loads()).toBe(1);
    const Other = Uploads.extend({ note: z.string().default('x') });
    expect((await settings.get('uploads', Other, 'acme')).note).toBe('x');
    expect(loads()).toBe(2);

    records.acme = { id: 'acme', settings: { uploads: { maxBytes: 7 } } };
    expect((await settings.get('uploads', Uploads, 'acme')).maxBytes).toBe(5);
    settings.invalidate('acme');
    expect((await settings.get('uploads', Uploads, 'acme')).maxBytes).toBe(7);
    records.acme = { id: 'acme', settings: { uploads: { maxBytes: 9 } } };
    settings.invalidate();
    expect((await settings.get('uploads', Uploads, 'acme')).maxBytes).toBe(9);
  });

  it('answers 400 TENANT_CONFIG_INVALID naming the key, never the value, and does not cache the failure', async () => {
    const records: Record<string, TenantRecord> = {
      acme: { id: 'acme', settings: { mail: { smtpPassword: 'short' }, uploads: { maxBytes: -1 } } },
    };
    const { settings } = setup(records);
    const err = await settings.get('mail', Mail, 'acme').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'TENANT_CONFIG_INVALID', status: 400, expose: true });
    const e = err as { message: string; details: { issues: Array<{ key: string; message: string }> } };
    expect(e.details.issues.map((i) => i.key)).toEqual(['mail.smtpPassword']);
    expect(e.message).toContain('mail.smtpPassword');
    expect(JSON.stringify({ message: e.message, details: e.details })).not.toContain('short');
    await expect(settings.get('uploads', Uploads, 'acme')).rejects.toMatchObject({
      details: { issues: [expect.objectContaining({ key: 'uploads.maxBytes' })] },
    });
    records.acme = { id: 'acme', settings: { mail: { smtpPassword: 'long-enough-pw' } } };
    expect((await settings.get('mail', Mail, 'acme')).smtpPassword).toBe('long-enough-pw');
  });

  it('validates settings before they are saved, every section and key at once', () => {
    const { settings } = setup({});
    expect(settings.validate('uploads', Uploads, { maxBytes: 123 })).toMatchObject({ maxBytes: 123 });
    const err = (() => {
      try {
        settings.validateSettings(
          { uploads: { maxBytes: 'big', types: 'png' }, mail: { from: 'not-an-email' }, theme: { color: 'red' } },
          { uploads: Uploads, mail: Mail },
        );
      } catch (e) {
        return e as { code: string; details: { issues: Array<{ key: string }> } };
      }
    })();
    expect(err?.code).toBe('TENANT_CONFIG_INVALID');
    expect(err?.details.issues.map((i) => i.key).sort()).toEqual([
      'mail.from',
      'theme',
      'uploads.maxBytes',
      'uploads.types',
    ]);
    expect(
      settings.validateSettings({ theme: { color: 'red' } }, { uploads: Uploads }, { allowUnknownSections: true }),
    ).toEqual({ theme: { color: 'red' } });
    expect(() => settings.validateSettings([1], { uploads: Uploads })).toThrow(/invalid/);
  });

  it('ignores prototype-polluting keys in overrides', async () => {
    const overrides = JSON.parse('{"__proto__": {"polluted": true}, "maxBytes": 3}');
    const { settings } = setup({ acme: { id: 'acme', settings: { uploads: overrides } } });
    expect((await settings.get('uploads', Uploads, 'acme')).maxBytes).toBe(3);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('blames a broken app config on the app (CONFIG_INVALID), not on the tenant', async () => {
    const config = Config.load({ file: false, env: {}, defaults: { uploads: { maxBytes: 'lots' } } });
    const settings = new TenantSettings({ config, records: async (id) => ({ id }) });
    await expect(settings.get('uploads', Uploads, 'acme')).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });

  it('works without an app config: tenant values over schema defaults', async () => {
    const settings = new TenantSettings({ records: async (id) => ({ id, settings: { uploads: { maxBytes: 42 } } }) });
    expect(await settings.get('uploads', Uploads, 'acme')).toMatchObject({ maxBytes: 42, types: ['image/png'] });
  });
});
