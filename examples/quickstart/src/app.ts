import { type AppOptions, createApp } from '@koaforge/core';
import { todosPlugin } from './todos-plugin.js';

/** Build the quickstart app (tests call this; main.ts listens). */
export function buildApp(options: AppOptions = {}) {
  return createApp({ name: 'quickstart', ...options }).register(todosPlugin);
}
