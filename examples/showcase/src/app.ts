import { type App, type AppOptions, createApp } from '@koaforge/core';
import type { ShowcaseSettings } from './settings.js';

/**
 * Build the showcase: the kernel with core defaults (request context, problem+json errors,
 * metrics, access log, health). Each package's issue registers its plugin here.
 */
export function buildShowcase(settings: ShowcaseSettings, options: AppOptions = {}): App {
  const app = createApp({ name: 'showcase', ...options });
  void settings;
  return app;
}
