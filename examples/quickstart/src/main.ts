import { buildApp } from './app.js';

const app = buildApp();
app.handleSignals();
const port = Number(process.env.PORT ?? 3000);
const { port: bound } = await app.listen(port, process.env.HOST ?? '127.0.0.1');
app.log.info(`quickstart listening on http://127.0.0.1:${bound}`);
