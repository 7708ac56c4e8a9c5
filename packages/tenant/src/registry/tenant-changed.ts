import { defineEvent } from '@koaforge/core';
import * as z from 'zod';

/**
 * Emitted on core's event bus when a registry changes or removes a tenant, so every instance drops
 * its cached copy and tenant services can dispose per-tenant things. Crosses instances with the
 * bus's Redis transport.
 *
 * @example
 * bus.on(TenantChanged, ({ id, change }) => { if (change === 'removed') pools.dispose(id); });
 */
export const TenantChanged = defineEvent(
  'tenant.changed',
  z.object({ id: z.string().min(1).max(200), change: z.enum(['updated', 'removed']) }),
);
