// Load generator child: runs autocannon once with the JSON options in argv[2], prints a JSON summary.
import autocannon from 'autocannon';

const opts = JSON.parse(process.argv[2]);
const r = await autocannon({ ...opts, renderProgressBar: false, renderResultsTable: false });
process.stdout.write(
  JSON.stringify({
    requests: r.requests.total,
    reqPerSec: r.requests.average,
    durationS: r.duration,
    latencyMs: { p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, max: r.latency.max },
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    cpuUs: process.cpuUsage().user + process.cpuUsage().system,
  }),
);
