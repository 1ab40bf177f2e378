// What the browser tests share (signing.mjs, embedding.mjs): checks that
// fail with a message, waiting for the very value a check then uses, the
// log's clock, free ports, and stopping a child process.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

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

// The daemon's log, its last `chars` characters.
export function logTail(file, chars = 4000) {
  try {
    return fs.readFileSync(file, 'utf8').slice(-chars);
  } catch { return '(no log)'; }
}

// A JSON request to the daemon at `port()` with the key `key()` (both read
// at each call: the daemon's port and key are known once it runs).
export function apiClient(port, key) {
  return async function api(method, urlPath, body, { key: given = key(), headers = {} } = {}) {
    const h = { ...headers };
    if (given) h.Authorization = `Bearer ${given}`;
    if (body !== undefined) h['Content-Type'] = 'application/json';
    const res = await fetch(`http://127.0.0.1:${port()}${urlPath}`, {
      method, headers: h, body: body === undefined ? undefined : JSON.stringify(body), redirect: 'manual',
    });
    const text = await res.text();
    let json = null;
    try { json = JSON.parse(text); } catch { /* not JSON */ }
    return { status: res.status, headers: res.headers, text, json };
  };
}

// `signflow serve` on a free port of 127.0.0.1 with `extra` options, its
// output appended to `log`, the child added to `children`; waits for
// /healthz and reads the admin key written beside the database. Another
// port when the one chosen was taken meanwhile (3 tries).
export async function startDaemon({ binary, rules, db, extra = [], cwd, log, children }) {
  for (let attempt = 0; attempt < 3; ++attempt) {
    const port = await freePort();
    const logFile = fs.openSync(log, 'a');
    const child = spawn(binary, ['serve', '--rules', rules, '--db', db, '--listen', `127.0.0.1:${port}`, ...extra],
                        { stdio: ['ignore', logFile, logFile], cwd });
    fs.closeSync(logFile);
    children.push(child);
    let spawnError = null;
    child.on('error', (e) => { spawnError = e; });
    try {
      await waitUntil('the daemon\'s /healthz', async () => {
        if (spawnError) throw new CheckFailed(`cannot run ${binary}: ${spawnError.message}`);
        if (child.exitCode !== null) throw new CheckFailed(`the daemon exited (${child.exitCode}):\n${logTail(log)}`);
        const r = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => null);
        return r && r.status === 200;
      }, 30_000);
      const keyFile = path.join(path.dirname(db), 'signflow-admin.key');
      const apiKey = fs.readFileSync(keyFile, 'utf8').trim();
      check(apiKey.startsWith('sf_'), `an admin key in ${keyFile}`);
      return { port, apiKey };
    } catch (e) {
      if (child.exitCode !== null && /ddress already in use/.test(logTail(log))) continue;
      throw e;
    }
  }
  throw new CheckFailed('the daemon could not bind a port in 3 attempts');
}
