// Child processes for benchmarks: spawn pinned to a CPU, wait for READY, read CPU time and RSS.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

const children = new Set();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

let tasksetPath;
/** The `taskset` binary, or null when the system has none (then nothing is pinned). */
export function taskset() {
  if (tasksetPath === undefined) {
    try {
      execFileSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' });
      tasksetPath = 'taskset';
    } catch {
      tasksetPath = null;
      console.warn('taskset not available: server and load generator are not pinned to separate cores');
    }
  }
  return tasksetPath;
}

/** Spawn `node <args>` pinned to `cpu` (if given and taskset exists). The pid is node's own: taskset execs. */
export function spawnNode(args, { cpu, env = {}, stdio = ['ignore', 'pipe', 'pipe'] } = {}) {
  const pin = cpu !== undefined && taskset();
  const [cmd, argv] = pin ? [pin, ['-c', String(cpu), process.execPath, ...args]] : [process.execPath, args];
  const child = spawn(cmd, argv, { env: { ...process.env, ...env }, stdio });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr = (stderr + d).slice(-4000);
  });
  child.stderrText = () => stderr;
  return child;
}

/** Resolve when the child prints a line `READY`; reject if it exits or times out first. */
export function waitReady(child, name, timeoutMs = 20_000) {
  return new Promise((resolve, reject) => {
    let buf = '';
    const done = (err) => {
      clearTimeout(timer);
      child.stdout.off('data', onData);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve();
    };
    const onData = (d) => {
      buf += d;
      if (/^READY$/m.test(buf)) done();
    };
    const onExit = (code) => done(new Error(`${name} exited (${code}) before READY\n${child.stderrText()}`));
    const timer = setTimeout(
      () => done(new Error(`${name} not READY within ${timeoutMs} ms\n${child.stderrText()}`)),
      timeoutMs,
    );
    child.stdout.on('data', onData);
    child.once('exit', onExit);
  });
}

/** Stop a child: SIGTERM, then SIGKILL after `graceMs`. */
export function stop(child, graceMs = 2000) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

let clockTicks;
function ticksPerSecond() {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** User + system CPU time of a process in µs, from /proc/<pid>/stat; undefined where /proc is missing. */
export function cpuMicros(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at field 3; utime/stime are 14/15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) / ticksPerSecond()) * 1e6;
  } catch {
    return undefined;
  }
}

/** Resident set size of a process in MiB, from /proc/<pid>/status; undefined where /proc is missing. */
export function rssMiB(pid) {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** CPU time the whole machine spent busy (user, nice, system, irq, softirq; all cores) in µs, from /proc/stat. */
export function machineBusyMicros() {
  try {
    const [user, nice, system, , , irq, softirq] = readFileSync('/proc/stat', 'utf8')
      .split('\n')[0]
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    return ((user + nice + system + irq + softirq) / ticksPerSecond()) * 1e6;
  } catch {
    return undefined;
  }
}

/**
 * On a shared machine, wait (up to `maxWaitMs`) until other processes use at most `maxPct` % of one
 * core over a 1 s sample. `onWait(pct)` is called once, when waiting starts. Returns the last
 * sample's % (undefined without /proc/stat).
 */
export async function waitForQuiet({
  maxPct = 25,
  maxWaitMs = Number(process.env.BENCH_QUIET_WAIT ?? 60) * 1000,
  onWait,
} = {}) {
  const start = performance.now();
  for (let tries = 1; ; tries++) {
    const [busy0, self0, t0] = [machineBusyMicros(), process.cpuUsage(), performance.now()];
    await sleep(1000);
    if (busy0 === undefined) return undefined;
    const self = process.cpuUsage(self0);
    const pct = ((machineBusyMicros() - busy0 - self.user - self.system) / ((performance.now() - t0) * 1000)) * 100;
    if (pct <= maxPct || performance.now() - start > maxWaitMs) return pct;
    if (tries === 1) onWait?.(pct);
  }
}
