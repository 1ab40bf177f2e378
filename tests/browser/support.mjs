// What the browser tests share (signing.mjs, embedding.mjs): checks that
// fail with a message, waiting for the very value a check then uses, the
// log's clock, free ports, and stopping a child process.
import net from 'node:net';

const started = Date.now();

export class CheckFailed extends Error {}

export function check(cond, message) {
  if (!cond) throw new CheckFailed(typeof message === 'function' ? message() : message);
}

export async function ensure(cond, message) {
  if (!cond) throw new CheckFailed(typeof message === 'function' ? await message() : message);
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function log(message) {
  console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${message}`);
}

// Polls `probe` until it returns something truthy, and returns that; a
// CheckFailed it throws ends the wait, any other error counts as "not yet".
export async function waitUntil(what, probe, timeoutMs = 20_000, everyMs = 100) {
  const until = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await probe();
    } catch (e) {
      if (e instanceof CheckFailed) throw e;
      last = undefined;
    }
    if (last) return last;
    if (Date.now() > until) throw new CheckFailed(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(everyMs);
  }
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// SIGTERM, then SIGKILL after 10 s; resolves once the child has exited.
export function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const hard = setTimeout(() => { try { child.kill('SIGKILL'); } catch { /* gone */ } }, 10_000);
    child.once('exit', () => { clearTimeout(hard); resolve(); });
    try { child.kill('SIGTERM'); } catch { clearTimeout(hard); resolve(); }
  });
}
