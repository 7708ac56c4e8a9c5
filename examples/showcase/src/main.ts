import { buildShowcase } from './app.js';
import { readSettings } from './settings.js';

const settings = readSettings();
const app = buildShowcase(settings);
app.handleSignals();
const { port } = await app.listen(settings.port, settings.host);
const url = `http://${settings.host}:${port}`;
process.stdout.write(
  [
    '',
    `  koaforge showcase on ${url}`,
    `  stores: ${settings.redisUrl ? `Redis at ${settings.redisUrl}` : 'in memory (set REDIS_URL to share state)'}`,
    `  try: curl ${url}/healthz   curl ${url}/readyz   curl ${url}/metrics`,
    '',
  ].join('\n'),
);
