// The signer's path and the operator's view in a real browser (issue 6):
// Debian's Chromium driven by playwright-core, against a real `signflow
// serve`, a real SMTP server (mailbox.py, aiosmtpd) and an SMS gateway stub
// (a Twilio-style form POST with basic auth, recorded here).
//
//     node tests/browser/signing.mjs SIGNFLOW SOURCE_DIR OUT_DIR
//
// Envelopes (rules written to OUT_DIR/work/rules):
//   main     two-signer sequential NDA with SMS verification: the client's
//            email link, the manager cannot sign first (page and a crafted
//            POST), consent, the code from the SMS stub, drawn signature;
//            the manager's email, consent, sign; completed; the signed copy
//            downloaded and checked with pdfsig, the completion email's
//            copy too; the audit chain verifies; the dashboard shows it.
//   codes    a resent code, then three wrong codes: the third ends it.
//   decline  the client declines with a reason.
//   zh       a signer whose language is "zh", in a 375 px wide window
//            (consent, code and sign pages: no horizontal scroll); then
//            cancelled through the API: the link shows a 410 page.
//   quick    a second workflow expiring after 1 minute (the shortest
//            `expire after`): started first, its link is opened at the end,
//            once it has expired: a 410 page, never the document.
//   fields   a signer fills a date, a check box, initials, a text, a number
//            and a choice at 375 px: the browser keeps the form without a
//            required field, the daemon refuses it (422, the problem beside
//            the field, the values kept), then signs; the audit has them.
//   and an unknown token: a plain 404 page.
// Screenshots of every page go to OUT_DIR. Exit status 0 when every check
// held, 1 with the failed check's message (and the daemon's log tail) when
// not. Every process started here is stopped, also on failure.
//
// SIGNFLOW_BROWSER_MESSAGES=outbox runs without the email and sms
// connectors: messages are read from the daemon's outbox folder (.eml,
// .sms.txt) instead of the SMTP server and the SMS stub.
import { spawn, execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import {
  CheckFailed, apiClient, check, ensure, freePort, log, logTail as logTailOf, startDaemon, stopChild, waitUntil,
} from './support.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const [binaryArg, sourceDir, outArg] = process.argv.slice(2);
if (!binaryArg || !sourceDir || !outArg) {
  console.error('usage: node signing.mjs SIGNFLOW SOURCE_DIR OUT_DIR');
  process.exit(2);
}
const binary = path.resolve(binaryArg);
const out = path.resolve(outArg);
const work = path.join(out, 'work');
// How messages are read: 'smtp' (the default: the SMTP server and the SMS
// stub), 'outbox' (the daemon's outbox folder) or, while developing without
// the messages connector, 'log' (codes from the connector log, links minted
// through the operator API, completion mail not checked).
const mode = process.env.SIGNFLOW_BROWSER_MESSAGES || 'smtp';
const viaOutbox = mode === 'outbox';
if (!['smtp', 'outbox', 'log'].includes(mode)) {
  console.error(`SIGNFLOW_BROWSER_MESSAGES is smtp, outbox or log, not "${mode}"`);
  process.exit(2);
}
const PYTHON = '/usr/bin/python3';  // Debian's python3-aiosmtpd is visible to it only
const CHROMIUM = '/usr/bin/chromium';
const OVERALL_MS = 270_000;  // under ctest's TIMEOUT 300: we stop our processes ourselves

let playwright;
try {
  playwright = await import('playwright-core');
} catch (e) {
  console.error(`browser test: playwright-core is not installed in ${here}/node_modules ` +
                `(run scripts/setup.sh, or npm ci --prefix tests/browser): ${e.message}`);
  process.exit(1);
}

// ---- the processes and servers this test starts, stopped in `finally`

const children = [];
const servers = [];
let browser = null;

async function stopEverything() {
  if (browser) await browser.close().catch(() => {});
  browser = null;
  await Promise.all(children.map(stopChild));
  for (const s of servers) s.close();
  servers.length = 0;
}

// ---- the SMTP server (mailbox.py) and the SMS gateway stub

async function startMailbox(folder) {
  const child = spawn(PYTHON, [path.join(here, 'mailbox.py'), 'serve', folder], { stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(child);
  let errors = '';
  child.on('error', (e) => { errors += `cannot run ${PYTHON}: ${e.message}`; });
  child.stderr.on('data', (d) => { errors += d; });
  const port = await new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new CheckFailed(`mailbox.py did not start in 20 s: ${errors}`)), 20_000);
    child.stdout.on('data', (d) => {
      text += d;
      const m = /listening (\d+)/.exec(text);
      if (m) { clearTimeout(timer); resolve(Number(m[1])); }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new CheckFailed(`mailbox.py exited (${code}): ${errors}`)); });
  });
  return port;
}

const SMS_ACCOUNT = 'ACbrowsertest';
const SMS_TOKEN = 'sms-secret-' + randomBytes(6).toString('hex');
const texts = [];  // {to, from, body, authorization, at}

async function startSmsGateway() {
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      const form = new URLSearchParams(body);
      const expected = 'Basic ' + Buffer.from(`${SMS_ACCOUNT}:${SMS_TOKEN}`).toString('base64');
      if (req.method !== 'POST' || req.url !== '/2010-04-01/Accounts/' + SMS_ACCOUNT + '/Messages.json') {
        res.writeHead(404, { 'Content-Type': 'application/json' });
        return res.end('{"message":"not found"}');
      }
      if (req.headers.authorization !== expected) {
        texts.push({ refused: true, authorization: req.headers.authorization || '' });
        res.writeHead(401, { 'Content-Type': 'application/json' });
        return res.end('{"message":"Authenticate"}');
      }
      const sid = 'SM' + randomBytes(8).toString('hex');
      texts.push({ to: form.get('To'), from: form.get('From'), body: form.get('Body'), sid,
                   contentType: req.headers['content-type'], at: Date.now() });
      res.writeHead(201, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ sid, status: 'queued' }));
    });
  });
  servers.push(server);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server.address().port;
}

// ---- messages as the signers receive them

const mailDir = path.join(work, 'mailbox');
const outboxDir = path.join(work, 'outbox');
const parsedOutbox = new Map();

function allMail() {
  if (viaOutbox) {
    if (!fs.existsSync(outboxDir)) return [];
    const list = [];
    for (const f of fs.readdirSync(outboxDir).filter((n) => n.endsWith('.eml')).sort()) {
      if (!parsedOutbox.has(f)) {
        const json = execFileSync(PYTHON, [path.join(here, 'mailbox.py'), 'parse', path.join(outboxDir, f), outboxDir]);
        parsedOutbox.set(f, JSON.parse(json.toString('utf8')));
      }
      list.push(parsedOutbox.get(f));
    }
    return list;
  }
  if (!fs.existsSync(mailDir)) return [];
  return fs.readdirSync(mailDir).filter((n) => /^\d+\.json$/.test(n)).sort()
    .map((n) => JSON.parse(fs.readFileSync(path.join(mailDir, n), 'utf8')));
}

function allTexts() {
  if (mode === 'log') {
    const file = path.join(work, 'connector-calls.jsonl');
    if (!fs.existsSync(file)) return [];
    return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l))
      .filter((l) => l.kind === 'send_code').map((l) => ({ to: l.data?.to?.phone, body: `${l.data?.code} (connector log)` }));
  }
  if (!viaOutbox) return texts.filter((t) => !t.refused);
  if (!fs.existsSync(outboxDir)) return [];
  // In the order they were sent: ENVELOPE.SEQ.N.ROLE.sms.txt for a first
  // code, ENVELOPE.SEQ.codeK.ROLE.sms.txt for the K-th new one (names alone
  // do not sort that way: "5.10.code1" < "5.9.2").
  const resend = (n) => Number(/\.code(\d+)\./.exec(n)?.[1] ?? 0);
  return fs.readdirSync(outboxDir).filter((n) => n.endsWith('.sms.txt')).sort()
    .sort((a, b) => resend(a) - resend(b))
    .map((n) => {
      const raw = fs.readFileSync(path.join(outboxDir, n), 'utf8');
      const to = /^To: (.*)$/m.exec(raw)?.[1] ?? '';
      return { to, body: raw.split('\n\n').slice(1).join('\n\n').trim(), file: n };
    });
}

function mailTo(m, address) {
  if (m.parse_error) throw new CheckFailed(`a message could not be parsed: ${m.parse_error} (${m.file})`);
  return (m.rcpt_to || []).includes(address) || (m.to || '').includes(address);
}

let port = 0;
const linkPattern = () => new RegExp(`http://127\\.0\\.0\\.1:${port}/sign/[A-Za-z0-9_-]{43}`);

// The n-th (1-based) message to `address` holding a signing link: {mail, link}.
async function signingMail(address, what, n = 1, envelope = 0, role = '') {
  if (mode === 'log') {
    const r = await api('POST', `/v1/instances/${envelope}/signers/${role}/link`, {});
    check(r.status === 201, `${what}: a link minted through the API: HTTP ${r.status} ${r.text}`);
    return { mail: { subject: '(log mode)', text: '(log mode)' }, link: r.json.url };
  }
  const mail = await waitUntil(`${what}: an email with a signing link to ${address}`, () => {
    const list = allMail().filter((m) => mailTo(m, address) && linkPattern().test(m.text || ''));
    return list.length >= n ? list[n - 1] : null;
  }, 30_000);
  const link = linkPattern().exec(mail.text)[0];
  check((mail.html || '').includes(link), `${what}: the HTML part carries the same link (${mail.file})`);
  return { mail, link };
}

// Envelope `envelope`'s `nth` one-time code (1: the first, 2: after one
// resend), texted to `phone`, once the daemon checks codes against it. A text
// arrives before the daemon records its delivery (the `code_sent` entry,
// which stores the code's record): a code typed as soon as its text is there
// may be checked against the previous code's record (a wrong code, counted).
// So: wait for the nth entry; the code is then the newest text to `phone`
// (a retried delivery texts a new code, and only the last one sent works).
async function codeFor(phone, what, envelope, nth = 1) {
  const sms = await waitUntil(`${what}: code #${nth} of envelope ${envelope} recorded as sent to ${phone}`, async () => {
    const sent = (await audit(envelope)).entries.filter((e) => e.kind === 'code_sent').length;
    if (sent < nth) return null;
    check(sent === nth, `${what}: expected code #${nth} of envelope ${envelope}, but ${sent} codes were sent`);
    const list = allTexts().filter((t) => t.to === phone);
    check(list.length >= nth, `${what}: ${sent} codes recorded as sent to ${phone}, but only ${list.length} texts: ${JSON.stringify(list)}`);
    return list[list.length - 1];
  }, 30_000);
  const m = /(?<!\d)(\d{6})(?!\d)/.exec(sms.body || '');
  check(m, `${what}: a 6-digit code in the SMS: ${JSON.stringify(sms)}`);
  if (mode === 'smtp') {
    check(sms.from === '+15550100', `${what}: the SMS comes from the configured sender: ${JSON.stringify(sms)}`);
    check(/application\/x-www-form-urlencoded/.test(sms.contentType || ''), `${what}: a form POST: ${sms.contentType}`);
  }
  return m[1];
}

// ---- the daemon

let apiKey = '';
let daemonLog = '';

const api = apiClient(() => port, () => apiKey);
const logTail = (chars) => logTailOf(daemonLog, chars);

async function startDaemonWith(rules, db, config) {
  ({ port, apiKey } = await startDaemon({ binary, rules, db, extra: ['--config', config], cwd: work, log: daemonLog,
                                          children }));
}

async function startEvent(name, data, what) {
  const r = await api('POST', `/v1/events/${name}`, data, { headers: { 'Idempotency-Key': `browser-${what}` } });
  check(r.status === 202 && r.json?.started?.length === 1, `${what}: ${name} starts one envelope: HTTP ${r.status} ${r.text}`);
  return r.json.started[0].id;
}

async function instance(id) {
  const r = await api('GET', `/v1/instances/${id}`);
  check(r.status === 200, `GET /v1/instances/${id}: HTTP ${r.status} ${r.text}`);
  return r.json;
}

async function waitState(id, predicate, what, timeoutMs = 30_000) {
  let last = null;
  try {
    return await waitUntil(what, async () => { last = await instance(id); return predicate(last) ? last : null; },
                           timeoutMs, 200);
  } catch (e) {
    throw new CheckFailed(`${e.message} (envelope ${id} is ${last?.state} / ${last?.status})`);
  }
}

async function audit(id) {
  const r = await api('GET', `/v1/instances/${id}/audit`);
  check(r.status === 200, `GET /v1/instances/${id}/audit: HTTP ${r.status} ${r.text}`);
  return r.json;
}

// ---- the browser

let shotCount = 0;
const openPages = new Set();

async function shot(page, name) {
  const file = path.join(out, `${String(++shotCount).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

async function newPerson(options = {}) {
  const context = await browser.newContext({ acceptDownloads: true, locale: 'en-US', ...options });
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  openPages.add(page);
  const problems = [];
  // Script errors, and any resource of the page (style, script, image) that
  // failed; the page itself may answer 404 or 410 on purpose.
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(`console: ${m.text()}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400 && r.request().resourceType() !== 'document') problems.push(`HTTP ${r.status()} for ${r.url()}`);
  });
  page.on('pageerror', (e) => problems.push(`script error: ${e.message}`));
  return { context, page, problems };
}

// Opens `url`; checks the HTTP status when `status` is given.
async function open(page, url, status, what) {
  const res = await page.goto(url, { waitUntil: 'load' });
  if (status !== undefined) check(res && res.status() === status, `${what}: GET ${url} answers ${status}, not ${res?.status()}`);
  return res;
}

// Clicks a submit button and waits for the page the form's 303 leads to.
async function submit(page, selector) {
  const [res] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click(selector)]);
  return res;
}

// After a form was sent: the page must now show `selector`.
async function expectOn(page, selector, what, res) {
  if (await present(page, selector)) return;
  const text = ((await page.textContent('main').catch(() => '')) || '').trim().slice(0, 400);
  throw new CheckFailed(`${what}: no ${selector}; instead HTTP ${res?.status()} at ${page.url()}: "${text}"`);
}

async function present(page, selector) {
  return (await page.locator(selector).count()) > 0;
}

async function noHorizontalScroll(page, what) {
  const { scroll, client } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth,
  }));
  check(scroll <= 375, `${what}: the page scrolls sideways in a 375 px window (scrollWidth ${scroll}, clientWidth ${client})`);
}

async function pageImagesLoaded(page, what) {
  const n = await page.locator('#pages img.page').count();
  check(n > 0, `${what}: the sign page shows the document's pages (#pages img.page)`);
  await waitUntil(`${what}: ${n} page image(s) loaded`, () => page.evaluate(() =>
    [...document.querySelectorAll('#pages img.page')].every((i) => i.complete && i.naturalWidth > 0)), 20_000);
  return n;
}

async function drawSignature(page) {
  const pad = page.locator('#pad');
  await pad.scrollIntoViewIfNeeded();
  const box = await pad.boundingBox();
  check(box && box.width > 50, `the signature pad is visible: ${JSON.stringify(box)}`);
  const y = box.y + box.height / 2;
  await page.mouse.move(box.x + box.width * 0.1, y);
  await page.mouse.down();
  for (let i = 1; i <= 20; ++i)
    await page.mouse.move(box.x + box.width * (0.1 + 0.04 * i), y + Math.sin(i / 2) * box.height * 0.3);
  await page.mouse.up();
  const inked = await page.evaluate(() => {
    const c = document.getElementById('pad');
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 0) ++n;
    return n;
  });
  check(inked > 100, `drawing with the mouse puts ink on #pad (${inked} pixels)`);
}

function pdfsig(file, what, expectValid) {
  let text;
  try {
    text = execFileSync('pdfsig', [file], { encoding: 'utf8' });
  } catch (e) {
    throw new CheckFailed(`${what}: pdfsig ${file} failed (exit ${e.status}): ${e.stdout}${e.stderr}`);
  }
  const valid = (text.match(/Signature is Valid\./g) || []).length;
  check(!/Digest Mismatch/.test(text) && !/Invalid/.test(text), `${what}: pdfsig finds a bad signature:\n${text}`);
  check(valid === expectValid, `${what}: ${expectValid} valid signatures expected, pdfsig says ${valid}:\n${text}`);
  return text;
}

const sha256 = (file) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

// ---- the rules and the configuration

const templateBlock = (who) => `template nda = stdlib.nda {
  client_name = event.${who}.name
  client_email = event.${who}.email
  client_company = coalesce(event.${who}.company, event.${who}.name)
  effective_date = format_date(now(), "%Y-%m-%d")
  term_months = coalesce(event.term_months, 24)
  governing_law = "England and Wales"
  fee = coalesce(event.evaluation_fee, 0)
  currency = "GBP"
  show payment when event.evaluation_fee > 0
  show non_solicitation when event.engagement == "consulting"
}`;

const mainFlow = `# The browser test's NDA: the client proves a code sent by SMS, then
# client and manager sign, in that order.
workflow browser_nda

timezone "UTC"

role client = event.client    # { name, email, phone, language }
role manager = event.manager  # { name, email, phone, language }

${templateBlock('client')}

on form_submitted
  -> fill nda
  -> verify client by sms, at most 3 attempts
  -> sign sequentially [client, manager]
       expire after 14d
`;

const quickFlow = `# The browser test's expired link: the shortest expiry there is.
workflow browser_quick

timezone "UTC"

role client = event.client

${templateBlock('client')}

on quick_requested
  -> fill nda
  -> sign [client]
       expire after 1m
`;

// Fields the client fills while signing (the example order form).
const fieldsFlow = `# The browser test's fields: a date, a check box, initials, a text, a
# number and a choice, on a form made by another program.
workflow browser_fields

timezone "UTC"

role client = event.client

template order = "templates/order_form.pdf" {
  company_name = event.company
  field plan from client: choice ["basic", "pro", "enterprise"] required
  field seats from client: number min 1 max 500 required
  field start_date from client: date required
  field vat_id from client: text max 20 label "VAT number"
  field accept_marketing from client: checkbox
  field client_initials from client: initials max 4 required
  field signed_on from client: date_signed
}

on fields_requested
  -> fill order
  -> sign [client]
`;

function configToml(smtpPort, smsPort) {
  const messages = viaOutbox
    ? `[messages]\noutbox = "${outboxDir}"\nfrom = "Acme Signing <signing@acme.example>"\n`
    : `[messages]\nemail = "mail"\nsms = "texts"\n`;
  return `# The browser test's connectors: a real SMTP server and an SMS gateway stub on 127.0.0.1.
[connectors.mail]
kind = "email"
smtp_host = "127.0.0.1"
smtp_port = ${smtpPort}
starttls = false
from = "Acme Signing <signing@acme.example>"
to = ["ops@acme.example"]

[connectors.texts]
kind = "sms"
url = "http://127.0.0.1:${smsPort}/2010-04-01/Accounts/${SMS_ACCOUNT}/Messages.json"
account = "${SMS_ACCOUNT}"
token = "${SMS_TOKEN}"
sender_id = "+15550100"

${messages}`;
}

const person = (name, email, phone, language = 'en') => ({ name, email, phone, language });

// ---- the test

// One part of the test: a failed check is reported and the next part runs.
const failures = [];
async function section(name, body) {
  const at = Date.now();
  try {
    await body();
    log(`${name}: passed (${((Date.now() - at) / 1000).toFixed(1)} s)`);
  } catch (e) {
    const message = e instanceof CheckFailed ? e.message : e.stack;
    failures.push(`${name}: ${message}`);
    log(`${name}: FAILED: ${message}`);
    for (const p of openPages) {
      if (!p.isClosed()) await p.screenshot({ path: path.join(out, `${String(++shotCount).padStart(2, '0')}-failure-${name}.png`), fullPage: true }).catch(() => {});
      if (!p.isClosed()) await p.context().close().catch(() => {});
    }
    openPages.clear();
  }
}

async function main() {
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(work, { recursive: true });
  daemonLog = path.join(work, 'daemon.log');
  const rules = path.join(work, 'rules');
  fs.mkdirSync(rules);
  fs.writeFileSync(path.join(rules, 'browser_nda.flow'), mainFlow);
  fs.writeFileSync(path.join(rules, 'browser_quick.flow'), quickFlow);
  fs.writeFileSync(path.join(rules, 'browser_fields.flow'), fieldsFlow);
  fs.mkdirSync(path.join(rules, 'templates'));
  fs.copyFileSync(path.join(sourceDir, 'examples/templates/order_form.pdf'), path.join(rules, 'templates/order_form.pdf'));

  const smtpPort = await startMailbox(mailDir);
  const smsPort = await startSmsGateway();
  const config = path.join(work, 'signflow.toml');
  fs.writeFileSync(config, configToml(smtpPort, smsPort));
  log(`SMTP on 127.0.0.1:${smtpPort}, SMS gateway on 127.0.0.1:${smsPort}` + (viaOutbox ? ' (reading the outbox instead)' : ''));

  await startDaemonWith(rules, path.join(work, 'signflow.db'), config);
  const base = `http://127.0.0.1:${port}`;
  log(`daemon on ${base}`);
  const rulesNow = await api('GET', '/v1/rules');
  const files = rulesNow.json?.files || [];
  check(rulesNow.status === 200 && files.length === 3 && files.every((f) => f.status === 'loaded' && !f.diagnostics),
        `the three rule files load without diagnostics: ${rulesNow.text}`);

  // The expiring envelope first: its minute runs while the rest is tested.
  const quickClient = person('Quinn Expiry', 'quinn@client.example', '+15550105');
  const quickStarted = Date.now();
  const quick = await startEvent('quick_requested', { client: quickClient }, 'quick');
  log(`envelope ${quick} (browser_quick, expires after 1 minute) started`);

  browser = await playwright.chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });

  const client = person('Ada Client', 'ada@client.example', '+15550101');
  const manager = person('Max Manager', 'max@acme.example', '+15550102');

  // ---- the main envelope
  await section('main', async () => {
    const main = await startEvent('form_submitted', { client, manager, evaluation_fee: 250 }, 'main');
    log(`envelope ${main} (browser_nda) started`);

    const clientLink = (await signingMail(client.email, 'the client\'s signing request', 1, main, 'client')).link;
    log('the client\'s email with the signing link arrived');

    // The manager cannot sign first: a link minted by the operator...
    const minted = await api('POST', `/v1/instances/${main}/signers/manager/link`, {});
    check(minted.status === 201 && linkPattern().test(minted.json?.url || ''),
          `POST /v1/instances/${main}/signers/manager/link answers 201 with a url: HTTP ${minted.status} ${minted.text}`);
    const early = await newPerson({ userAgent: 'Mozilla/5.0 (X11; Linux x86_64) signflow-browser-test/1.0 manager early' });
    await open(early.page, minted.json.url, 200, 'the manager, early');
    await shot(early.page, 'manager-waiting');
    check(await present(early.page, '#waiting li[data-role=client]'),
          'the manager\'s early page lists the client as still to sign (#waiting li[data-role=client])');
    check(!(await present(early.page, '#sign-form')), 'the manager\'s early page has no #sign-form');
    check(!(await present(early.page, '#consent-form')), 'the manager\'s early page has no #consent-form');
    check(!(await early.page.content()).includes(client.email), 'the waiting page does not show the client\'s email address');
    const before = await instance(main);
    const csrf = await early.page.getAttribute('meta[name="csrf-token"]', 'content');
    check(csrf, 'the waiting page carries a CSRF token (meta csrf-token) for the crafted POST');
    for (const act of ['consent', 'sign', 'decline']) {
      const form = act === 'sign' ? { csrf, name: manager.name, agree: 'yes' }
        : act === 'consent' ? { csrf, agree: 'yes' } : { csrf, reason: 'crafted' };
      const r = await early.context.request.post(`${minted.json.url}/${act}`, { form, maxRedirects: 0 });
      check(r.status() === 303 && /n=notnow/.test(r.headers().location || ''),
            `a crafted POST ${act} by the manager before the client signed is refused (303 ?n=notnow), not HTTP ` +
            `${r.status()} ${r.headers().location || ''}`);
    }
    const pdfEarly = await early.context.request.get(`${minted.json.url}/document`);
    check(pdfEarly.status() !== 200 && !(await pdfEarly.body()).subarray(0, 5).equals(Buffer.from('%PDF-')),
          `the manager cannot fetch the document early: HTTP ${pdfEarly.status()}`);
    const after = await instance(main);
    check(after.state === before.state && after.status === 'running' && after.history.length === before.history.length,
          `the crafted POSTs changed nothing: ${before.state} -> ${after.state}, history ${before.history.length} -> ${after.history.length}`);
    const earlyAudit = await audit(main);
    check(!earlyAudit.entries.some((e) => e.actor === 'manager' && ['signed', 'declined', 'consent_given'].includes(e.kind)),
          `no signed/declined/consent entry for the manager: ${JSON.stringify(earlyAudit.entries.map((e) => [e.kind, e.actor]))}`);
    await early.context.close();
    log('the manager cannot act before the client (page and crafted POSTs)');

    // The client: consent, code, sign.
    const c = await newPerson({ userAgent: 'Mozilla/5.0 (X11; Linux x86_64) signflow-browser-test/1.0 client' });
    await open(c.page, clientLink, 200, 'the client');
    await shot(c.page, 'client-consent');
    check(await present(c.page, '#consent-form'), 'the client first sees the consent form (#consent-form)');
    check(!(await present(c.page, '#pages')) && !(await present(c.page, '#sign-form')),
          'the document and the signature come after the consent');
    await c.page.check('#agree-consent');
    const consented = await submit(c.page, '#consent-button');
    await shot(c.page, 'client-code');
    await expectOn(c.page, '#code-form', 'after consenting the client is asked for the code', consented);
    check(await present(c.page, '#resend-button'), 'the code page offers a resend (#resend-button)');
    const code = await codeFor(client.phone, 'the client\'s code', main);
    await c.page.fill('#code', code);
    await submit(c.page, '#code-button');
    await ensure(await present(c.page, '#sign-form'), async () => `the right code leads to the sign page (#sign-form): ${await c.page.textContent('main')}`);
    const pages = await pageImagesLoaded(c.page, 'the client');
    check(await c.page.inputValue('#name') === client.name, 'the name is prefilled with the client\'s name');
    await drawSignature(c.page);
    await c.page.check('#agree-sign');
    await shot(c.page, 'client-sign');
    await submit(c.page, '#sign-button');
    await shot(c.page, 'client-signed');
    await ensure(await present(c.page, '#signed'), async () => `after signing the client sees a confirmation (#signed): ${await c.page.textContent('main')}`);
    check(!(await present(c.page, '#download')), 'no download before the envelope is complete');
    log(`the client consented, entered the SMS code, saw ${pages} page image(s), drew and signed`);

    // The manager: the request arrives once the client has signed.
    const managerLink = (await signingMail(manager.email, 'the manager\'s signing request', 1, main, 'manager')).link;
    check(managerLink !== clientLink, 'the manager gets a link of their own');
    const m = await newPerson({ userAgent: 'Mozilla/5.0 (X11; Linux x86_64) signflow-browser-test/1.0 manager' });
    await open(m.page, managerLink, 200, 'the manager');
    await shot(m.page, 'manager-consent');
    check(await present(m.page, '#consent-form'), 'the manager first sees the consent form');
    await m.page.check('#agree-consent');
    await expectOn(m.page, '#sign-form', 'the manager (no verification) goes straight to the sign page', await submit(m.page, '#consent-button'));
    check(await present(m.page, 'summary#decline-h'), 'the sign page offers a decline (summary#decline-h)');
    await pageImagesLoaded(m.page, 'the manager');
    check(await m.page.inputValue('#name') === manager.name, 'the name is prefilled with the manager\'s name');
    await m.page.check('#agree-sign');
    await shot(m.page, 'manager-sign');
    await submit(m.page, '#sign-button');
    await waitState(main, (i) => i.state === 'completed', `envelope ${main} completed`);
    log('the manager signed: the envelope is completed');

    // The signed copy, once sealed, from the page.
    const sealed = await waitUntil('the sealed revision', async () => {
      const r = await api('GET', `/v1/instances/${main}/documents`);
      const docs = r.json?.documents || [];
      return docs.length && docs[docs.length - 1].kind === 'sealed' ? docs : null;
    }, 60_000, 250);
    await open(m.page, managerLink, 200, 'the manager after completion');
    await shot(m.page, 'manager-completed');
    await ensure(await present(m.page, '#download'), async () => `the completed envelope's page offers #download: ${await m.page.textContent('main')}`);
    const [download] = await Promise.all([m.page.waitForEvent('download'), m.page.click('#download')]);
    const downloaded = path.join(out, `envelope-${main}-downloaded.pdf`);
    await download.saveAs(downloaded);
    check(fs.readFileSync(downloaded).subarray(0, 5).toString() === '%PDF-', 'the download is a PDF');
    check(sha256(downloaded) === sealed[sealed.length - 1].sha256,
          `the download is the sealed revision (${sealed[sealed.length - 1].sha256})`);
    pdfsig(downloaded, 'the downloaded copy', 3);  // client, manager, the operator's seal
    log(`downloaded ${download.suggestedFilename()}: pdfsig finds 3 valid signatures`);
    await open(c.page, clientLink, 200, 'the client after completion');
    check(await present(c.page, '#download'), 'the client\'s page offers the signed copy too');
    await shot(c.page, 'client-completed');

    // The completion email's copy.
    for (const who of mode === 'log' ? [] : [client, manager]) {
      const mail = await waitUntil(`the signed copy mailed to ${who.email}`, () =>
        allMail().find((x) => mailTo(x, who.email) && (x.attachments || []).length > 0), 30_000);
      const pdf = (mail.attachments || []).find((a) => a.content_type === 'application/pdf');
      check(pdf && pdf.path, `the completion email to ${who.email} attaches the PDF: ${JSON.stringify(mail.attachments)} (${mail.file})`);
      check(sha256(pdf.path) === sha256(downloaded), `the mailed copy to ${who.email} is the downloaded one`);
      pdfsig(pdf.path, `the copy mailed to ${who.email}`, 3);
    }
    if (mode !== 'log') log('both signers were mailed the signed copy (pdfsig: valid)');

    // The audit chain. The sealed revision is stored before its `sealed`
    // entry is committed (the seal's delivery is recorded after it): wait
    // for the entry, not the document.
    const trail = await waitUntil(`the \`sealed\` entry of envelope ${main}`, async () => {
      const t = await audit(main);
      return t.entries.some((e) => e.kind === 'sealed') ? t : null;
    }, 30_000, 250);
    check(trail.verdict && trail.verdict.ok === true, `the audit chain verifies: ${JSON.stringify(trail.verdict)}`);
    const kinds = trail.entries.map((e) => e.kind);
    for (const k of ['created', 'code_sent', 'viewed', 'consent_given', 'code_verified', 'signed', 'completed', 'sealed'])
      check(kinds.includes(k), `the trail has \`${k}\`: ${kinds.join(', ')}`);
    const signedEntries = trail.entries.filter((e) => e.kind === 'signed');
    check(signedEntries.map((e) => e.actor).join() === 'client,manager', `signed by client then manager: ${JSON.stringify(signedEntries)}`);
    for (const e of trail.entries.filter((x) => ['viewed', 'consent_given', 'signed'].includes(x.kind)))
      check(e.ip === '127.0.0.1' && /signflow-browser-test\/1\.0/.test(e.user_agent || ''),
            `every page action is audited with IP and user agent: ${JSON.stringify(e)}`);
    check(signedEntries[0].detail?.method === 'drawn', `the client's signature was drawn: ${JSON.stringify(signedEntries[0].detail)}`);
    check(trail.entries.filter((e) => e.kind === 'consent_given').length === 2, 'both signers\' consent is audited');
    log(`the audit chain verifies (${trail.entries.length} entries)`);

    // The dashboard.
    const ops = await newPerson();
    await open(ops.page, `${base}/`, 200, 'the dashboard');
    check(await present(ops.page, '#login'), 'the dashboard asks for an API key (#login)');
    await shot(ops.page, 'dashboard-login');
    await ops.page.fill('#api-key', apiKey);
    await ops.page.click('#login button[type=submit]');
    const row = ops.page.locator(`tr[data-envelope="${main}"]`);
    await row.waitFor({ timeout: 20_000 }).catch(() => {});
    await ensure(await row.count() === 1, async () => `the dashboard lists envelope ${main}: ${await ops.page.textContent('#main')}`);
    await waitUntil(`the dashboard shows envelope ${main} completed`, async () =>
      (await row.getAttribute('data-state')) === 'completed' &&
      (await row.locator('[data-testid=envelope-state]').textContent()).trim() === 'completed', 10_000);
    await shot(ops.page, 'dashboard');
    log('the dashboard shows the envelope completed');
    // Its daemons (GET /v1/cluster): this one, leading, with its rule versions.
    const member = ops.page.locator('#cluster-rows tr');
    await member.first().waitFor({ timeout: 10_000 }).catch(() => {});
    const memberText = (await member.count()) === 1 ? await member.first().textContent() : '';
    check(/leader/.test(memberText) && memberText.includes(base.replace('http://', '')),
      `the dashboard's Daemons table shows this daemon leading at ${base}: "${memberText}"`);
    for (const p of [early, c, m, ops])
      check(p.problems.length === 0, `no script or console errors: ${p.problems.join('; ')}`);
    await Promise.all([c.context.close(), m.context.close(), ops.context.close()]);
  });

  // ---- a resent code, then three wrong codes
  await section('codes', async () => {
    const coder = person('Wrong Coder', 'wrong@client.example', '+15550103');
    const codes = await startEvent('form_submitted', { client: coder, manager }, 'codes');
    const coderLink = (await signingMail(coder.email, 'the code envelope\'s request', 1, codes, 'client')).link;
    const w = await newPerson();
    await open(w.page, coderLink, 200, 'the code envelope');
    await w.page.check('#agree-consent');
    await expectOn(w.page, '#code-form', 'the code page after the consent', await submit(w.page, '#consent-button'));
    const first = await codeFor(coder.phone, 'the first code', codes);
    await submit(w.page, '#resend-button');
    await shot(w.page, 'code-resent');
    check(await present(w.page, '#code-form'), 'after a resend the code page again');
    const second = await codeFor(coder.phone, 'the resent code', codes, 2);
    const wrong = ['000000', '111111', '222222', '333333', '444444'].filter((x) => x !== first && x !== second);
    for (let attempt = 1; attempt <= 3; ++attempt) {
      await w.page.fill('#code', wrong[attempt - 1]);
      const res = await submit(w.page, '#code-button');
      await shot(w.page, `code-wrong-${attempt}`);
      if (attempt < 3) {
        check(await present(w.page, '#code-form'), `after wrong code ${attempt} the code form is offered again`);
        const notice = (await w.page.textContent('#notice').catch(() => '')) || '';
        check(notice.includes(String(3 - attempt)), `wrong code ${attempt}: the notice says ${3 - attempt} attempt(s) left: "${notice}"`);
      } else {
        check(!(await present(w.page, '#code-form')), 'after the third wrong code there is no code form');
        await ensure(await present(w.page, '#ended'), async () => `after the third wrong code the page says the envelope ended (#ended): ${await w.page.textContent('main')}`);
        check(res && res.status() === 410, `the ended page answers 410, not ${res?.status()}`);
      }
    }
    await waitState(codes, (i) => i.status === 'finished' && i.state === 'failed', `envelope ${codes} failed`);
    check(w.problems.length === 0, `no script errors: ${w.problems.join('; ')}`);
    await w.context.close();
    log('a resent code arrived; three wrong codes ended the envelope (failed, 410 page)');
  });

  // ---- a decline
  await section('decline', async () => {
    const decliner = person('Dee Cliner', 'dee@client.example', '+15550104');
    const declined = await startEvent('form_submitted', { client: decliner, manager }, 'decline');
    const declineLink = (await signingMail(decliner.email, 'the decline envelope\'s request', 1, declined, 'client')).link;
    const d = await newPerson();
    // The decline is offered next to the signature: after the consent and
    // the code (a workflow's verification has no way out but its attempts).
    await open(d.page, declineLink, 200, 'the decline envelope');
    await d.page.check('#agree-consent');
    await expectOn(d.page, '#code-form', 'the decliner consents', await submit(d.page, '#consent-button'));
    await d.page.fill('#code', await codeFor(decliner.phone, 'the decliner\'s code', declined));
    await submit(d.page, '#code-button');
    check(await present(d.page, '#sign-form'), 'the decliner reaches the sign page');
    check(!(await d.page.isVisible('#decline-form')), 'the decline form is folded away until asked for');
    await d.page.click('summary#decline-h');
    await d.page.fill('#reason', 'The term is too long for us.');
    await shot(d.page, 'decline-form');
    const declineRes = await submit(d.page, '#decline-button');
    await shot(d.page, 'declined');
    await ensure(await present(d.page, '#declined') || await present(d.page, '#ended'),
          async () => `after declining the page says so (#declined or #ended): ${await d.page.textContent('main')}`);
    check(!(await present(d.page, '#consent-form')) && !(await present(d.page, '#sign-form')), 'no form after declining');
    await ensure(/declin/i.test(await d.page.textContent('h1')), async () => `the heading says declined: "${await d.page.textContent('h1')}" (HTTP ${declineRes?.status()})`);
    await waitState(declined, (i) => i.state === 'declined', `envelope ${declined} declined`);
    const declineTrail = await audit(declined);
    const declineEntry = declineTrail.entries.find((e) => e.kind === 'declined');
    check(declineEntry && JSON.stringify(declineEntry).includes('The term is too long for us.'),
          `the decline and its reason are audited: ${JSON.stringify(declineEntry)}`);
    check(d.problems.length === 0, `no script errors: ${d.problems.join('; ')}`);
    await d.context.close();
    log('the client declined with a reason (envelope declined)');
  });

  // ---- Chinese, on a phone-sized window; then cancelled
  await section('zh', async () => {
    const zhClient = person('李伟', 'li.wei@client.example', '+8613800000000', 'zh');
    const zh = await startEvent('form_submitted', { client: zhClient, manager }, 'zh');
    const zhMail = await signingMail(zhClient.email, 'the Chinese signer\'s request', 1, zh, 'client');
    if (mode !== 'log') check(/[\u4e00-\u9fff]/.test(zhMail.mail.subject + zhMail.mail.text), `the Chinese signer's email is in Chinese: ${zhMail.mail.subject}`);
    const phone = await newPerson({ viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
    await open(phone.page, zhMail.link, 200, 'the Chinese signer');
    await shot(phone.page, 'zh-375-consent');
    check(await phone.page.getAttribute('html', 'lang') === 'zh-Hans', `<html lang="zh-Hans">, not ${await phone.page.getAttribute('html', 'lang')}`);
    const zhText = (await phone.page.textContent('#consent-form')) + (await phone.page.textContent('h1'));
    check(/[\u4e00-\u9fff]{4}/.test(zhText), `the consent page is in Chinese: "${zhText}"`);
    await noHorizontalScroll(phone.page, 'the consent page (zh)');
    await phone.page.check('#agree-consent');
    const zhConsented = await submit(phone.page, '#consent-button');
    await shot(phone.page, 'zh-375-code');
    await expectOn(phone.page, '#code-form', 'the Chinese signer\'s code page', zhConsented);
    await noHorizontalScroll(phone.page, 'the code page (zh)');
    const zhCode = await codeFor(zhClient.phone, 'the Chinese signer\'s code', zh);
    const zhSms = allTexts().filter((t) => t.to === zhClient.phone).pop();
    if (mode !== 'log') check(/[\u4e00-\u9fff]/.test(zhSms.body), `the code SMS is in Chinese: ${zhSms.body}`);
    await phone.page.fill('#code', zhCode);
    await submit(phone.page, '#code-button');
    check(await present(phone.page, '#sign-form'), 'the Chinese signer\'s sign page');
    await pageImagesLoaded(phone.page, 'the Chinese signer');
    await shot(phone.page, 'zh-375-sign');
    await noHorizontalScroll(phone.page, 'the sign page (zh)');
    check(/[\u4e00-\u9fff]/.test(await phone.page.textContent('#sign-form')), 'the sign form is in Chinese');
    log('the Chinese signer\'s pages: lang zh-Hans, Chinese text, no sideways scroll at 375 px');

    const cancel = await api('POST', `/v1/instances/${zh}/cancel`, { reason: 'browser test: a cancelled link' });
    check(cancel.status >= 200 && cancel.status < 300, `POST /v1/instances/${zh}/cancel: HTTP ${cancel.status} ${cancel.text}`);
    await open(phone.page, zhMail.link, 410, 'the cancelled envelope\'s link');
    await shot(phone.page, 'zh-cancelled');
    await checkGone(phone, zhMail.link, 'the cancelled envelope');
    check(phone.problems.length === 0, `no script errors: ${phone.problems.join('; ')}`);
    await phone.context.close();
    log('the cancelled envelope\'s link shows a 410 page without the document');
  });

  // ---- an unknown token
  await section('unknown', async () => {
    const stranger = await newPerson();
    const unknown = `${base}/sign/${randomBytes(32).toString('base64url')}`;
    await open(stranger.page, unknown, 404, 'an unknown token');
    await shot(stranger.page, 'unknown-token');
    check(await present(stranger.page, '#message'), 'the unknown token gets a plain page (#message)');
    check(!(await present(stranger.page, 'form')) && !(await present(stranger.page, 'img')), 'no form and no image for an unknown token');
    await open(stranger.page, `${base}/sign/not-a-token`, 404, 'a malformed token');
    await stranger.context.close();
    log('unknown and malformed tokens get a plain 404 page');
  });

  // ---- fields the signer fills, on a phone-sized window
  await section('fields', async () => {
    const filler = person('Fay Fields', 'fay@client.example', '+15550106');
    const id = await startEvent('fields_requested', { client: filler, company: 'Fabrikam' }, 'fields');
    const { link } = await signingMail(filler.email, 'the fields envelope\'s request', 1, id, 'client');
    const f = await newPerson({ viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
    await open(f.page, link, 200, 'the fields envelope');
    await f.page.check('#agree-consent');
    await expectOn(f.page, '#sign-form', 'the filler consents', await submit(f.page, '#consent-button'));
    await pageImagesLoaded(f.page, 'the fields envelope');
    // Each field has its label: found by it, as a screen reader finds it.
    const byLabel = (text) => f.page.getByLabel(text, { exact: false });
    check(await byLabel('Start date').getAttribute('type') === 'date', 'the start date is a date input, labelled');
    check(await byLabel('Accept marketing').getAttribute('type') === 'checkbox', 'the opt-in is a labelled check box');
    check(await byLabel('Client initials').count() === 1 && await byLabel('VAT number').count() === 1 &&
          await byLabel('Seats').count() === 1 && await byLabel('Plan').count() === 1, 'every field has its label');
    check(!(await present(f.page, '[name="field.signed_on"]')), 'the date of signing is not asked');
    await noHorizontalScroll(f.page, 'the sign page with fields (375 px)');
    await f.page.selectOption('#field-plan', 'pro');
    await f.page.fill('#field-start_date', '2026-05-01');
    await f.page.check('#field-accept_marketing');
    await f.page.fill('#field-client_initials', 'FF');
    await f.page.fill('#field-vat_id', 'GB123456789');
    await f.page.check('#agree-sign');
    // The seats are missing: the browser keeps the form (the field is required)…
    await f.page.click('#sign-button');
    check(await f.page.evaluate(() => document.querySelector('#field-seats').matches(':invalid')),
          'the empty required field is invalid in the browser');
    check(new URL(f.page.url()).pathname === new URL(link).pathname, 'the form was not sent without the seats');
    // …and a browser that sends it anyway is refused by the daemon, with the
    // problem beside the field and the other values kept.
    await f.page.evaluate(() => document.querySelectorAll('[required]').forEach((e) => e.removeAttribute('required')));
    const refused = await submit(f.page, '#sign-button');
    await shot(f.page, 'fields-refused');
    check(refused && refused.status() === 422, `a missing required field gets the page back with 422, not ${refused?.status()}`);
    check(await present(f.page, '#err-seats') && await f.page.getAttribute('#field-seats', 'aria-invalid') === 'true' &&
          await f.page.getAttribute('#field-seats', 'aria-describedby') === 'err-seats',
          'the problem is next to the seats, and tied to the input');
    check(await f.page.inputValue('#field-start_date') === '2026-05-01' && await f.page.isChecked('#field-accept_marketing') &&
          await f.page.inputValue('#field-client_initials') === 'FF' && await f.page.inputValue('#field-plan') === 'pro',
          'the values given are kept');
    await noHorizontalScroll(f.page, 'the refused page (375 px)');
    check((await instance(id)).state === 'awaiting(client)', 'nothing was signed');
    await f.page.fill('#field-seats', '12');
    await f.page.check('#agree-sign');
    await expectOn(f.page, '#signed', 'signing with every field', await submit(f.page, '#sign-button'));
    await shot(f.page, 'fields-signed');
    await waitState(id, (i) => i.state === 'completed', `envelope ${id} completed`);
    const signedEntry = (await audit(id)).entries.find((e) => e.kind === 'signed');
    const values = signedEntry?.detail?.fields || {};
    check(values.start_date === '2026-05-01' && values.accept_marketing === true && values.client_initials === 'FF' &&
          values.vat_id === 'GB123456789' && values.seats === '12' && values.plan === 'pro' && /^\d{4}-\d\d-\d\d$/.test(values.signed_on),
          `the signed entry records the values: ${JSON.stringify(signedEntry)}`);
    check(f.problems.length === 0, `no script errors: ${f.problems.join('; ')}`);
    await f.context.close();
    log('the filler gave a date, a check box, initials and a text in Chromium at 375 px; refused without the seats; signed');
  });

  // ---- the expired link (started first)
  await section('expired', async () => {
    const quickLink = (await signingMail(quickClient.email, 'the expiring envelope\'s request', 1, quick, 'client')).link;
    const q = await newPerson();
    log('waiting for the 1-minute envelope to expire');
    const due = quickStarted + 60_000;
    try {
      await waitState(quick, (i) => i.state === 'expired', `envelope ${quick} expired (expire after 1m)`,
                      Math.max(due + 60_000 - Date.now(), 5_000));
    } catch (e) {
      const metrics = await api('GET', '/metrics');
      const timers = metrics.text.split('\n').filter((l) => /^signflow_timers_(fired_total|pending|overdue) /.test(l));
      throw new CheckFailed(`${e.message}; its expiry was due at ${new Date(due).toISOString()}; /metrics: ${timers.join(', ')}`);
    }
    await open(q.page, quickLink, 410, 'the expired link');
    await shot(q.page, 'expired');
    await checkGone(q, quickLink, 'the expired envelope');
    check(q.problems.length === 0, `no script errors: ${q.problems.join('; ')}`);
    await q.context.close();
    log('the expired envelope\'s link shows a 410 page without the document');
  });
}

// A link whose envelope ended: a plain page, no form, no document.
async function checkGone(p, link, what) {
  await ensure(await present(p.page, '#ended'), async () => `${what}: the page says the envelope ended (#ended): ${await p.page.textContent('main')}`);
  for (const sel of ['#pages', 'img.page', '#sign-form', '#consent-form', '#code-form', '#download'])
    check(!(await present(p.page, sel)), `${what}: no ${sel} on the ended page`);
  const doc = await p.context.request.get(`${link}/document`);
  const body = await doc.body();
  check(doc.status() !== 200 && !body.subarray(0, 5).equals(Buffer.from('%PDF-')),
        `${what}: GET …/document does not give the document: HTTP ${doc.status()}`);
  const img = await p.context.request.get(`${link}/pages/1.png`);
  check(img.status() !== 200, `${what}: GET …/pages/1.png does not give a page image: HTTP ${img.status()}`);
}

let failed = false;
const watchdog = setTimeout(() => {
  console.error(`browser test: FAILED: still running after ${OVERALL_MS / 1000} s`);
  failed = true;
  stopEverything().finally(() => process.exit(1));
}, OVERALL_MS);

try {
  await main();
  if (failures.length) {
    failed = true;
    console.error(`\nbrowser test: FAILED, ${failures.length} part(s):\n${failures.map((f) => `  - ${f}`).join('\n')}`);
    console.error(`\n---- the daemon's log (tail) ----\n${logTail()}\n---- screenshots in ${out}, the work folder: ${work}`);
  } else {
    log(`all checks passed; screenshots in ${out}`);
  }
} catch (e) {
  failed = true;
  console.error(`\nbrowser test: FAILED: ${e instanceof CheckFailed ? e.message : e.stack}`);
  for (const p of openPages) {
    if (p.isClosed()) continue;
    await p.screenshot({ path: path.join(out, `failure-${++shotCount}.png`), fullPage: true }).catch(() => {});
  }
  console.error(`\n---- the daemon's log (tail) ----\n${logTail()}\n---- the work folder: ${work}`);
} finally {
  clearTimeout(watchdog);
  await stopEverything();
}
process.exit(failed ? 1 : 0);
