// Embedded signing and the dashboard's acts in a real browser (issue 16):
// Debian's Chromium driven by playwright-core, against a real `signflow
// serve` started with --frame-ancestor for one "portal" origin.
//
//     node tests/browser/embedding.mjs SIGNFLOW SOURCE_DIR OUT_DIR
//
// Checked:
//   - a portal page served from a second origin on 127.0.0.1 (another
//     port) frames an embed link: the signer consents and signs inside the
//     iframe, and the portal receives `viewed` then `signed` through
//     postMessage, sent from the daemon's origin; the embed link works once
//     (410 when opened again);
//   - the same page from an origin that is not allowed: the browser refuses
//     the frame (frame-ancestors), nothing reaches that portal;
//   - an ordinary signing link cannot be framed even by the allowed portal;
//   - an embed link opened outside a frame: after signing, the page returns
//     to the portal's return_url with the outcome;
//   - the dashboard: correct a signer's email and cancel an envelope with
//     a reason, each confirmed, each audited with the key's name.
// Screenshots go to OUT_DIR. Exit status 0 when every check held.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import {
  CheckFailed, apiClient, check, log, logTail as logTailOf, startDaemon, stopChild, waitUntil,
} from './support.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const [binaryArg, sourceDir, outArg] = process.argv.slice(2);
if (!binaryArg || !sourceDir || !outArg) {
  console.error('usage: node embedding.mjs SIGNFLOW SOURCE_DIR OUT_DIR');
  process.exit(2);
}
const binary = path.resolve(binaryArg);
const out = path.resolve(outArg);
const work = path.join(out, 'work');
const CHROMIUM = '/usr/bin/chromium';
const OVERALL_MS = 170_000;  // under ctest's TIMEOUT 200

let playwright;
try {
  playwright = await import('playwright-core');
} catch (e) {
  console.error(`browser test: playwright-core is not installed in ${here}/node_modules ` +
                `(run scripts/setup.sh, or npm ci --prefix tests/browser): ${e.message}`);
  process.exit(1);
}

const children = [];
const servers = [];
let browser = null;
let port = 0;
let apiKey = '';
let shotCount = 0;
const daemonLog = path.join(work, 'daemon.log');

const logTail = (chars) => logTailOf(daemonLog, chars);

async function stopEverything() {
  if (browser) await browser.close().catch(() => {});
  browser = null;
  await Promise.all(children.map(stopChild));
  for (const s of servers) s.close();
}

// A portal: a page of its own origin that frames `?src=` and keeps every
// message it receives (with the sender's origin) in window.received.
async function startPortal() {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    if (url.pathname === '/done') {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end(`<!doctype html><title>back at the portal</title><p id="back">${url.search}</p>`);
      return;
    }
    const src = url.searchParams.get('src') || '';
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end(`<!doctype html><html><head><title>portal</title></head><body>
<h1>Customer portal</h1>
<iframe id="signing" style="width:900px;height:1200px" src="${src.replace(/"/g, '&quot;')}"></iframe>
<script>
  window.received = [];
  window.frameLoads = 0;
  document.getElementById('signing').addEventListener('load', function () { window.frameLoads += 1; });
  window.addEventListener('message', function (e) { window.received.push({ origin: e.origin, data: e.data }); });
</script></body></html>`);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return server.address().port;
}

const api = apiClient(() => port, () => apiKey);

async function shot(page, name) {
  await page.screenshot({ path: path.join(out, `${String(++shotCount).padStart(2, '0')}-${name}.png`), fullPage: true });
}

async function newPage() {
  const context = await browser.newContext({ locale: 'en-US' });
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`script error: ${e.message}`));
  return { context, page, problems };
}

const flow = `workflow portal_contract
role client = event.client
role manager = event.manager
on contract_ready
  -> fill nda
  -> sign [client] then [manager]
`;

async function embedLink(id, role, returnUrl) {
  const r = await api('POST', `/v1/instances/${id}/signers/${role}/link`,
                      { embed: true, return_url: returnUrl, ttl: '10m' });
  check(r.status === 201 && r.json?.purpose === 'embed' && r.json?.url, `an embed link for ${role}: HTTP ${r.status} ${r.text}`);
  return r.json.url;
}

// Consents and signs on a signing page (a page or a frame).
async function consentAndSign(where, name) {
  await where.waitForSelector('#consent-form, #sign-form');
  if (await where.locator('#consent-form').count()) {
    await where.check('#consent-form input[name="agree"]');
    await where.click('#consent-form button[type="submit"]');
  }
  await where.waitForSelector('#sign-form');
  await where.fill('#sign-form input[name="name"]', name);
  await where.check('#sign-form input[name="agree"]');
  await where.click('#sign-form button[type="submit"]');
}

async function main() {
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(path.join(work, 'rules'), { recursive: true });
  fs.writeFileSync(path.join(work, 'rules', 'portal_contract.flow'), flow);
  const portalPort = await startPortal();
  const otherPort = await startPortal();
  const portal = `http://127.0.0.1:${portalPort}`;
  const other = `http://127.0.0.1:${otherPort}`;
  ({ port, apiKey } = await startDaemon({ binary, rules: path.join(work, 'rules'), db: path.join(work, 'signflow.db'),
                                          extra: ['--frame-ancestor', portal], cwd: work, log: daemonLog, children }));
  const daemon = `http://127.0.0.1:${port}`;
  browser = await playwright.chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });

  // ---- refusals of the link route
  let r = await api('POST', '/v1/events/contract_ready', {
    client: { name: 'Ada Client', email: 'ada@client.example' },
    manager: { name: 'Max Manager', email: 'max@acme.example' },
  });
  check(r.status === 202, `contract_ready: ${r.text}`);
  const id = r.json.started[0].id;
  r = await api('POST', `/v1/instances/${id}/signers/client/link`, { embed: true, return_url: `${other}/done` });
  check(r.status === 422, `a return_url on an origin not allowed is refused: HTTP ${r.status} ${r.text}`);
  r = await api('POST', `/v1/instances/${id}/signers/client/link`, { embed: true, return_url: `${portal}/done`, ttl: '3d' });
  check(r.status === 422, `a ttl past an hour is refused: HTTP ${r.status} ${r.text}`);
  const sendKey = execFileSync(binary, ['api-key', 'create', '--db', path.join(work, 'signflow.db'), '--name', 'shop',
                                         '--scope', 'send'], { encoding: 'utf8' }).trim();
  check(sendKey.startsWith('sf_'), `a send key: ${sendKey}`);
  r = await api('POST', `/v1/instances/${id}/signers/client/link`, { embed: true, return_url: `${portal}/done` },
                { key: sendKey });
  check(r.status === 403, `a send key cannot make an embed link: HTTP ${r.status}`);

  // ---- the client signs inside the portal's frame
  const clientUrl = await embedLink(id, 'client', `${portal}/done`);
  const p = await newPage();
  await p.page.goto(`${portal}/?src=${encodeURIComponent(clientUrl)}`, { waitUntil: 'load' });
  const frame = await waitUntil('the signing frame', () => p.page.frames().find((f) => f.url().includes('/sign/')));
  await consentAndSign(frame, 'Ada Client');
  const got = await waitUntil('viewed and signed from the frame', async () => {
    const m = await p.page.evaluate(() => window.received);
    return m.some((x) => x.data?.event === 'signed') ? m : null;
  }, 30_000);
  check(got.every((x) => x.origin === daemon && x.data.source === 'signflow' && x.data.envelope === id &&
                          x.data.role === 'client'),
        `every message comes from the daemon's origin, about this envelope: ${JSON.stringify(got)}`);
  check(got.some((x) => x.data.event === 'viewed'), `the portal was told the page was viewed: ${JSON.stringify(got)}`);
  await shot(p.page, 'signed-in-frame');
  const audit = await api('GET', `/v1/instances/${id}/audit`);
  check(audit.json.entries.some((e) => e.kind === 'signed' && e.actor === 'client'), 'the client\'s signature is in the trail');
  const again = await fetch(clientUrl, { redirect: 'manual' });
  check(again.status === 410, `the embed link works once: HTTP ${again.status}`);
  check(p.problems.length === 0, `no script errors: ${p.problems.join('; ')}`);
  await p.context.close();
  log('signed inside a frame of the allowed portal; the portal got viewed and signed');

  // ---- a refusal inside the frame: the portal hears `declined`
  r = await api('POST', '/v1/events/contract_ready', {
    client: { name: 'Dee Client', email: 'dee@client.example' },
    manager: { name: 'Max Manager', email: 'max@acme.example' },
  });
  check(r.status === 202, `a second contract_ready: ${r.text}`);
  const refused = r.json.started[0].id;
  const declineUrl = await embedLink(refused, 'client', `${portal}/done`);
  const dp = await newPage();
  await dp.page.goto(`${portal}/?src=${encodeURIComponent(declineUrl)}`, { waitUntil: 'load' });
  const dframe = await waitUntil('the frame to decline in', () => dp.page.frames().find((f) => f.url().includes('/sign/')));
  await dframe.waitForSelector('#decline-form', { state: 'attached' });
  await dframe.click('#decline-h');
  await dframe.fill('#reason', 'wrong amount');
  await dframe.click('#decline-button');
  const heard = await waitUntil('declined from the frame', async () => {
    const m = await dp.page.evaluate(() => window.received);
    return m.find((x) => x.data?.event === 'declined');
  }, 30_000);
  check(heard.origin === daemon && heard.data.envelope === refused, `the declined message: ${JSON.stringify(heard)}`);
  await dp.context.close();
  log('a refusal inside the frame: the portal hears declined');

  // ---- a portal that is not allowed: the frame is refused
  const managerUrl = await embedLink(id, 'manager', `${portal}/done`);
  const q = await newPage();
  await q.page.goto(`${other}/?src=${encodeURIComponent(managerUrl)}`, { waitUntil: 'load' });
  await waitUntil('the refused frame\'s load', () => q.page.evaluate(() => window.frameLoads >= 1));
  const shown = q.page.frames().find((f) => f !== q.page.mainFrame());
  const title = shown ? await shown.evaluate(() => document.querySelector('#title')?.textContent || '').catch(() => '') : '';
  check(title === '' && (await q.page.evaluate(() => window.received.length)) === 0,
        `the other origin shows no signing page and hears nothing: title "${title}"`);
  await shot(q.page, 'refused-frame');
  // An ordinary signing link is not framed by the allowed portal either.
  const plain = await api('POST', `/v1/instances/${id}/signers/manager/link`, {});
  await q.page.goto(`${portal}/?src=${encodeURIComponent(plain.json.url)}`, { waitUntil: 'load' });
  await waitUntil('the plain link frame\'s load', () => q.page.evaluate(() => window.frameLoads >= 1));
  const plainFrame = q.page.frames().find((f) => f !== q.page.mainFrame());
  const plainTitle = plainFrame ? await plainFrame.evaluate(() => document.querySelector('#title')?.textContent || '').catch(() => '') : '';
  check(plainTitle === '', `a signing link sent by email is never framed: "${plainTitle}"`);
  await q.context.close();
  log('a frame from another origin, and a framed ordinary link, are refused');

  // ---- outside a frame: back to the portal with the outcome
  const topUrl = await embedLink(id, 'manager', `${portal}/done?order=77`);
  const t = await newPage();
  await t.page.goto(topUrl, { waitUntil: 'load' });
  await consentAndSign(t.page, 'Max Manager');
  await waitUntil('the return to the portal', () => t.page.url().startsWith(`${portal}/done`), 30_000);
  const back = new URL(t.page.url());
  check(back.searchParams.get('order') === '77' && back.searchParams.get('event') === 'signed' &&
        back.searchParams.get('envelope') === String(id) && back.searchParams.get('role') === 'manager',
        `the return_url gets the outcome: ${t.page.url()}`);
  await shot(t.page, 'returned');
  await t.context.close();
  const done = await waitUntil('completion', async () => {
    const i = await api('GET', `/v1/instances/${id}`);
    return i.json?.state === 'completed' ? i.json : null;
  }, 30_000);
  check(done.state === 'completed', 'the envelope completed');
  log('outside a frame, the signer returns to the portal with the outcome');

  if (typeof dashboardActs === 'function') await dashboardActs();
}

// The dashboard: start an envelope from the workflow's form, find it by its
// signer, correct the signer, cancel it; each confirmed, each audited with
// the key's name.
async function dashboardActs() {
  const opsKey = execFileSync(binary, ['api-key', 'create', '--db', path.join(work, 'signflow.db'), '--name', 'ops desk',
                                       '--scope', 'admin'], { encoding: 'utf8' }).trim();
  const o = await newPage();
  const page = o.page;
  await page.goto(`http://127.0.0.1:${port}/`, { waitUntil: 'load' });
  await page.fill('#api-key', opsKey);
  await page.click('#login button[type=submit]');
  await page.waitForSelector('#dashboard:not([hidden])');

  // ---- start from the form the trigger makes
  await page.selectOption('#start-workflow', 'portal_contract');
  await page.waitForSelector('#start-form:not([hidden])');
  await page.fill('#start-client-name', 'Zed Zimmer');
  await page.fill('#start-client-email', 'zed@client.example');
  await page.fill('#start-manager-name', 'Max Manager');
  await page.fill('#start-manager-email', 'max@acme.example');
  await page.click('#start-submit');
  await page.waitForSelector('#start-confirm');
  check((await api('GET', '/v1/instances?workflow=portal_contract&q=zed')).json.instances.length === 0,
        'nothing starts before the confirmation');
  await page.click('#start-confirm');
  const startedText = await waitUntil('the started envelope', async () => {
    const t = await page.textContent('#start-result');
    return /Started envelope \d+/.test(t) ? t : null;
  });
  const id = Number(/envelope (\d+)/.exec(startedText)[1]);
  const made = await api('GET', `/v1/instances/${id}`);
  check(made.json.roles.client.email === 'zed@client.example' && made.json.roles.client.name === 'Zed Zimmer',
        `the form started it with the client given: ${JSON.stringify(made.json.roles)}`);

  // ---- find it by its signer
  await page.fill('#filter-q', 'zimm');
  await page.click('#envelope-filter button[type=submit]');
  await waitUntil('the search result', async () => {
    const ids = await page.$$eval('#envelope-rows tr[data-envelope]', (rows) => rows.map((r) => r.dataset.envelope));
    return ids.length === 1 && ids[0] === String(id);
  });

  // ---- correct the client's email: confirmed, then done
  await page.click(`#envelope-rows tr[data-envelope="${id}"] button[data-timeline]`);
  await page.waitForSelector('#envelope-actions');
  await page.click('#envelope-actions button[data-correct="client"]');
  await page.fill('#correct-email', 'zed.zimmer@client.example');
  await page.click('#correct-next');
  const before = (await api('GET', `/v1/instances/${id}/audit`)).json.entries.filter((e) => e.kind === 'signer_corrected');
  check(before.length === 0, 'nothing is corrected before the confirmation');
  await page.click('#correct-confirm');
  const corrected = await waitUntil('the correction in the trail', async () => {
    const a = await api('GET', `/v1/instances/${id}/audit`);
    return a.json.entries.find((e) => e.kind === 'signer_corrected');
  });
  check(corrected.detail.new.email === 'zed.zimmer@client.example' && corrected.detail.api_key.name === 'ops desk',
        `the correction names the key: ${JSON.stringify(corrected)}`);
  await shot(page, 'dashboard-corrected');

  // ---- cancel with a reason: confirmed, then done
  await page.waitForSelector('#cancel-open');
  await page.click('#cancel-open');
  await page.fill('#cancel-reason', 'the customer ordered twice');
  await page.click('#cancel-next');
  check((await api('GET', `/v1/instances/${id}`)).json.status === 'running', 'nothing is cancelled before the confirmation');
  await page.click('#cancel-confirm');
  const cancelled = await waitUntil('the cancellation in the trail', async () => {
    const a = await api('GET', `/v1/instances/${id}/audit`);
    return a.json.entries.find((e) => e.kind === 'cancelled');
  });
  check(cancelled.detail.reason === 'the customer ordered twice' && cancelled.detail.api_key.name === 'ops desk',
        `the cancellation names the key and the reason: ${JSON.stringify(cancelled)}`);
  await waitUntil('the timeline shows it cancelled', async () =>
    (await page.textContent('#timeline-body')).includes('cancelled') && !(await page.locator('#envelope-actions').count()));
  await shot(page, 'dashboard-cancelled');
  check(o.problems.length === 0, `no script errors: ${o.problems.join('; ')}`);
  await o.context.close();
  log('the dashboard started, found, corrected and cancelled an envelope, each confirmed and audited');
}

let failed = false;
const watchdog = setTimeout(() => {
  console.error(`browser test: FAILED: still running after ${OVERALL_MS / 1000} s`);
  failed = true;
  stopEverything().finally(() => process.exit(1));
}, OVERALL_MS);

try {
  await main();
  log(`all checks passed; screenshots in ${out}`);
} catch (e) {
  failed = true;
  console.error(`\nbrowser test: FAILED: ${e instanceof CheckFailed ? e.message : e.stack}`);
  console.error(`\n---- the daemon's log (tail) ----\n${logTail()}\n---- the work folder: ${work}`);
} finally {
  clearTimeout(watchdog);
  await stopEverything();
}
process.exit(failed ? 1 : 0);
