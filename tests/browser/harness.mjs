// Helpers for lendhub's browser tests: start the real server on a free port against a fresh SQLite
// database, launch Debian's headless Chromium, and check pages with axe; run a test as numbered
// steps (startRun); find controls by their role and label; and the flows every test starts with
// (first-run setup, adding a hub, adding a device).
//
// Every server started here is a child process of this test run; stop() ends it by its pid, and any
// still alive when the run exits are ended then. Nothing else is touched.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';

import { chromium } from 'playwright-core';
import AxeBuilder from '@axe-core/playwright';

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** Where the lendhub binary is: `LENDHUB_BIN`, else `target/debug/lendhub` in the repository. */
export const LENDHUB_BIN = process.env.LENDHUB_BIN
  ? path.resolve(process.env.LENDHUB_BIN)
  : path.resolve(HERE, '../../target/debug/lendhub');

/** Where failing steps leave screenshots, page HTML and server logs (git-ignored). */
export const ARTIFACTS_DIR = process.env.E2E_ARTIFACTS_DIR
  ? path.resolve(process.env.E2E_ARTIFACTS_DIR)
  : path.join(HERE, 'artifacts');

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** Flags the CI machine needs: root (no sandbox), no GPU, and no attempts to reach outside hosts. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const STARTUP_TIMEOUT_MS = 60_000;
// The setup link may be logged just after the listener is up; wait this much longer for it.
const SETUP_LINK_GRACE_MS = 10_000;
const STOP_TIMEOUT_MS = 10_000;

// A one-time setup link: `/setup?token=<URL-safe base64>`, possibly with `=` padding.
const SETUP_LINK = /\/setup\?token=([A-Za-z0-9_-]+={0,2})/;
// tracing may colour its output even into a pipe; strip that before searching or showing logs.
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;

const liveChildren = new Set();
process.once('exit', () => {
  for (const child of liveChildren) {
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Start `lendhub serve` on a free port with a new, empty database in a new temp directory.
 *
 * Resolves once `GET /healthz` answers 200 and the one-time setup link has been printed, to
 * `{ baseUrl, setupUrl, dataDir, pid, logs(), stop() }`. `setupUrl` points at this server
 * whatever host the server itself printed.
 */
export async function startServer({ env = {}, requireSetupLink = true } = {}) {
  if (!existsSync(LENDHUB_BIN)) {
    throw new Error(
      `lendhub binary not found at ${LENDHUB_BIN}: run \`cargo build\` first, or set LENDHUB_BIN`,
    );
  }
  const port = await freePort();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'lendhub-e2e-'));
  const baseUrl = `http://127.0.0.1:${port}`;

  const child = spawn(LENDHUB_BIN, ['serve'], {
    // Run in the temp directory so no stray lendhub.toml or lendhub.db is picked up.
    cwd: dataDir,
    env: {
      ...process.env,
      LENDHUB_DATABASE_URL: `sqlite://${dataDir}/lendhub.db?mode=rwc`,
      LENDHUB_BIND: `127.0.0.1:${port}`,
      LENDHUB_PUBLIC_URL: baseUrl,
      RUST_LOG: 'info',
      NO_COLOR: '1',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  liveChildren.add(child);

  let output = '';
  const collect = (chunk) => {
    output += chunk.toString('utf8').replace(ANSI, '');
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);

  let exited = null;
  const exitPromise = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      liveChildren.delete(child);
      resolve(exited);
    });
    child.once('error', (err) => {
      exited = { code: null, signal: null, error: err };
      liveChildren.delete(child);
      resolve(exited);
    });
  });

  const logs = () => output;

  const stop = async ({ keepData = Boolean(process.env.E2E_KEEP_DATA) } = {}) => {
    if (exited === null && child.pid !== undefined) {
      try {
        process.kill(child.pid, 'SIGTERM');
      } catch {
        // exited in the meantime
      }
      const timedOut = await Promise.race([
        exitPromise.then(() => false),
        sleep(STOP_TIMEOUT_MS).then(() => true),
      ]);
      if (timedOut && exited === null) {
        try {
          process.kill(child.pid, 'SIGKILL');
        } catch {
          // exited in the meantime
        }
        await exitPromise;
      }
    }
    if (!keepData) {
      await rm(dataDir, { recursive: true, force: true });
    }
  };

  const fail = async (why) => {
    await stop({ keepData: true });
    const tail = output.split('\n').slice(-60).join('\n');
    throw new Error(`${why}\n--- lendhub output (last 60 lines) ---\n${tail}`);
  };

  // Wait for the listener.
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  let healthy = false;
  let lastProblem = 'no answer yet';
  while (Date.now() < deadline) {
    if (exited !== null) {
      return fail(
        `lendhub serve exited before it was healthy (code ${exited.code}, signal ${exited.signal}` +
          `${exited.error ? `, ${exited.error.message}` : ''})`,
      );
    }
    try {
      const res = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (res.status === 200) {
        healthy = true;
        break;
      }
      lastProblem = `GET /healthz answered ${res.status}`;
    } catch (err) {
      lastProblem = err.cause?.code ?? err.message;
    }
    await sleep(200);
  }
  if (!healthy) {
    return fail(`lendhub serve was not healthy within ${STARTUP_TIMEOUT_MS / 1000} s (${lastProblem})`);
  }

  // Find the one-time setup link in what it printed.
  let setupUrl = null;
  const linkDeadline = Math.max(deadline, Date.now()) + SETUP_LINK_GRACE_MS;
  for (;;) {
    const match = SETUP_LINK.exec(output);
    if (match) {
      setupUrl = `${baseUrl}/setup?token=${match[1]}`;
      break;
    }
    if (!requireSetupLink || Date.now() > linkDeadline || exited !== null) break;
    await sleep(200);
  }
  if (requireSetupLink && setupUrl === null) {
    return fail('lendhub serve printed no line containing `/setup?token=<token>` on its first run');
  }

  return { baseUrl, setupUrl, dataDir, pid: child.pid, logs, stop };
}

/** Debian's Chromium, headless, with the flags the CI machine needs. */
export async function launchBrowser(options = {}) {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    ...options,
  });
}

/**
 * Run axe on the page as it is now and fail, listing each violation, when there is any.
 * `label` says which page this was in the failure message.
 */
export async function expectNoAxeViolations(page, label = '') {
  const results = await new AxeBuilder({ page }).analyze();
  const { violations } = results;
  if (violations.length === 0) return results;
  const where = `${label ? `${label} ` : ''}(${page.url()})`;
  const lines = violations.map((v) => {
    const targets = v.nodes
      .map((n) => `      - ${JSON.stringify(n.target)}${n.failureSummary ? `: ${oneLine(n.failureSummary)}` : ''}`)
      .join('\n');
    return `  * ${v.id} [${v.impact ?? 'n/a'}]: ${v.help} (${v.helpUrl})\n${targets}`;
  });
  assert.fail(`axe found ${violations.length} violation(s) on ${where}:\n${lines.join('\n')}`);
}

function oneLine(text) {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

/** Save a screenshot and the HTML of `page` under ARTIFACTS_DIR; returns the paths written. */
export async function saveArtifacts(page, name) {
  const safe = name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80);
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  const png = path.join(ARTIFACTS_DIR, `${safe}.png`);
  const html = path.join(ARTIFACTS_DIR, `${safe}.html`);
  const written = [];
  try {
    await page.screenshot({ path: png, fullPage: true, timeout: 5_000 });
    written.push(png);
  } catch {
    // the page may be gone
  }
  try {
    await writeFile(html, `<!-- ${page.url()} -->\n${await page.content()}`);
    written.push(html);
  } catch {
    // the page may be gone
  }
  return written;
}

/** Write text (e.g. the server's logs) under ARTIFACTS_DIR. */
export async function saveText(name, text) {
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  const file = path.join(ARTIFACTS_DIR, name);
  await writeFile(file, text);
  return file;
}

// ---------------------------------------------------------------------------------------------
// Running a test as numbered steps

/** How long a page helper waits for what it looks for. */
export const TIMEOUT = 15_000;

/**
 * Start lendhub and Chromium for the test `t`, and stop them after it. Returns:
 *
 * - `server`, `browser`: as from startServer() and launchBrowser();
 * - `newPage()`: a page in a new browser context (made with `contextOptions`) whose 5xx answers and
 *   script errors are noted in `serverErrors` and `scriptErrors`;
 * - `step(id, name, fn, { needs, timeout })`: run `fn` as the subtest "`id`. `name`" (within
 *   `timeout` ms, 120 000 unless given). Steps run in order;
 *   each names the steps it needs (default: all before it), and one whose prerequisites did not
 *   pass is skipped ("needs step …"), not run against a page it does not expect. A failing step
 *   leaves a screenshot and the HTML of every open page in ARTIFACTS_DIR, named
 *   `<artifactPrefix>step-<id>-page-<n>`;
 * - `expectNoServerOrScriptErrors()`: fail listing the 5xx answers and script errors noted;
 * - `failed()`: whether any step has failed.
 *
 * When a step failed, the server's whole output is saved as `server.log` and its tail printed.
 */
export async function startRun(t, { artifactPrefix = '', contextOptions = {} } = {}) {
  const server = await startServer();
  const browser = await launchBrowser();

  // Anything a user would notice going wrong outside the assertions: a 5xx, a script error.
  const serverErrors = [];
  const scriptErrors = [];
  const newPage = async () => {
    const context = await browser.newContext(contextOptions);
    context.setDefaultTimeout(TIMEOUT);
    context.setDefaultNavigationTimeout(TIMEOUT);
    const page = await context.newPage();
    page.on('response', (res) => {
      if (res.status() >= 500) serverErrors.push(`${res.status()} ${res.request().method()} ${res.url()}`);
    });
    page.on('pageerror', (err) => scriptErrors.push(`${page.url()}: ${err.message}`));
    return page;
  };

  let anyFailed = false;
  t.after(async () => {
    await browser.close().catch(() => {});
    await server.stop({ keepData: anyFailed && Boolean(process.env.E2E_KEEP_DATA) });
    if (anyFailed) {
      const file = await saveText('server.log', server.logs());
      const tail = server.logs().split('\n').slice(-40).join('\n');
      console.error(`--- lendhub output, last 40 lines (all of it in ${file}) ---\n${tail}`);
    }
  });

  const outcome = new Map();
  const step = async (id, name, fn, { needs, timeout = 120_000 } = {}) => {
    const missing = (needs ?? [...outcome.keys()]).filter((k) => outcome.get(k) !== 'pass');
    if (missing.length > 0) {
      outcome.set(id, 'skip');
      await t.test(`${id}. ${name}`, { skip: `needs step ${missing.join(', ')}` });
      return;
    }
    await t.test(`${id}. ${name}`, { timeout }, async () => {
      try {
        await fn();
        outcome.set(id, 'pass');
      } catch (err) {
        outcome.set(id, 'fail');
        anyFailed = true;
        const pages = browser.contexts().flatMap((c) => c.pages());
        const saved = [];
        for (const [i, p] of pages.entries()) {
          saved.push(...(await saveArtifacts(p, `${artifactPrefix}step-${id}-page-${i}`)));
        }
        if (saved.length) err.message += `\n(saved: ${saved.join(', ')})`;
        throw err;
      }
    });
  };

  const expectNoServerOrScriptErrors = () => {
    assert.deepEqual(serverErrors, [], `the server answered with 5xx:\n${serverErrors.join('\n')}`);
    assert.deepEqual(scriptErrors, [], `page scripts threw:\n${scriptErrors.join('\n')}`);
  };

  return {
    server,
    browser,
    newPage,
    step,
    serverErrors,
    scriptErrors,
    expectNoServerOrScriptErrors,
    failed: () => anyFailed,
  };
}

// ---------------------------------------------------------------------------------------------
// Finding things on a page, by role and label

export const escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The page's main landmark, or the body when there is none (axe reports that separately). */
export async function mainOf(page) {
  return (await page.locator('main').count()) === 1 ? page.locator('main') : page.locator('body');
}

/** The visible text of the page's main landmark, whitespace collapsed. */
export async function mainText(page) {
  return (await (await mainOf(page)).innerText()).replace(/\s+/g, ' ');
}

/**
 * The form control labelled `label`, within `scope` (a page or a locator). The label must start
 * with that text (so "Password" does not find "Confirm password"); a hint or error message after
 * it in the same label is tolerated. Fails with a clear message when there is no such control, or
 * when it is not a `tag`.
 */
export async function field(scope, label, { tag } = {}) {
  const page = scope.page?.() ?? scope;
  const control = scope.getByLabel(new RegExp(`^\\s*${escapeRegExp(label)}(?![\\w])`));
  try {
    await control.first().waitFor({ timeout: TIMEOUT });
  } catch {
    assert.fail(`no form control labelled "${label}" on ${page.url()}`);
  }
  const count = await control.count();
  assert.equal(count, 1, `expected one control labelled "${label}" on ${page.url()}, found ${count}`);
  if (tag) {
    const actual = await control.evaluate((el) => el.tagName.toLowerCase());
    assert.equal(actual, tag, `the control labelled "${label}" should be a <${tag}>, is a <${actual}>`);
  }
  return control;
}

/**
 * The one button with exactly this accessible name in the page's main landmark, or anywhere on
 * the page with `anywhere` (e.g. "Sign out", in the header). Fails unless there is exactly one.
 */
export async function button(page, name, { anywhere = false } = {}) {
  const b = (anywhere ? page : await mainOf(page)).getByRole('button', { name, exact: true });
  try {
    await b.first().waitFor({ timeout: TIMEOUT });
  } catch {
    assert.fail(`no button "${name}" on ${page.url()}`);
  }
  const count = await b.count();
  assert.equal(count, 1, `expected one button "${name}" on ${page.url()}, found ${count}`);
  return b;
}

/** The link with exactly this accessible name, in `scope` (default: the page's main landmark). */
export async function link(page, name, scope = null) {
  const l = (scope ?? (await mainOf(page))).getByRole('link', { name, exact: true });
  try {
    await l.first().waitFor({ timeout: TIMEOUT });
  } catch {
    assert.fail(`no link "${name}" on ${page.url()}`);
  }
  return l.first();
}

/** The fieldset (role group) whose legend is `legend`. */
export async function group(page, legend) {
  const g = (await mainOf(page)).getByRole('group', { name: legend, exact: true });
  try {
    await g.first().waitFor({ timeout: TIMEOUT });
  } catch {
    assert.fail(`no fieldset with the legend "${legend}" on ${page.url()}`);
  }
  const count = await g.count();
  assert.equal(count, 1, `expected one fieldset "${legend}" on ${page.url()}, found ${count}`);
  return g;
}

/** The checkbox or radio inside `scope` named `name` (a string, exactly, or a RegExp). */
export async function choice(page, scope, role, name, where) {
  const c = scope.getByRole(role, typeof name === 'string' ? { name, exact: true } : { name });
  try {
    await c.first().waitFor({ timeout: TIMEOUT });
  } catch {
    assert.fail(`no ${role} "${name}" ${where} on ${page.url()}`);
  }
  const count = await c.count();
  assert.equal(count, 1, `expected one ${role} "${name}" ${where} on ${page.url()}, found ${count}`);
  return c;
}

// ---------------------------------------------------------------------------------------------
// Expectations about a page

export async function h1Texts(page) {
  try {
    return (await page.locator('h1').allInnerTexts()).map((s) => s.replace(/\s+/g, ' ').trim());
  } catch {
    return []; // navigating
  }
}

/**
 * Wait until the page has an h1 equal to `expected` (a string) or matching it (a RegExp); returns
 * that h1's text. Fails naming the URL, the h1s and the title actually there.
 */
export async function expectH1(page, expected) {
  const ok = (text) => (expected instanceof RegExp ? expected.test(text) : text === expected);
  const deadline = Date.now() + TIMEOUT;
  for (;;) {
    const texts = await h1Texts(page);
    const hit = texts.find(ok);
    if (hit !== undefined) return hit;
    if (Date.now() > deadline) {
      const title = await page.title().catch(() => '?');
      assert.fail(
        `expected an h1 ${expected instanceof RegExp ? `matching ${expected}` : `"${expected}"`} ` +
          `on ${page.url()}; found h1s ${JSON.stringify(texts)}, title "${title}"`,
      );
    }
    await page.waitForTimeout(100);
  }
}

/** Matches a heading that has `tag` as a word of its own (e.g. "Laptop TCH-00001"). */
export const tagHeading = (tag) => new RegExp(`(^|\\s)${escapeRegExp(tag)}(\\s|$)`);

/** Wait until the page's URL path ends with `endsWith`. */
export async function waitForPath(page, endsWith) {
  try {
    await page.waitForURL((url) => url.pathname.endsWith(endsWith), { timeout: TIMEOUT });
  } catch {
    assert.fail(
      `expected to land on a URL ending ${endsWith}; at ${page.url()} with h1s ` +
        `${JSON.stringify(await h1Texts(page))}`,
    );
  }
}

/** Fail unless the main landmark shows `text` (a string or a RegExp). */
export async function expectInMain(page, text, what = null) {
  const re = text instanceof RegExp ? text : new RegExp(escapeRegExp(text));
  const shown = await mainText(page);
  assert.match(shown, re, `${page.url()} should show ${what ?? `"${text}"`}; its main text is:\n${shown}`);
}

/** Fail if the main landmark shows `text`. */
export async function expectNotInMain(page, text, what = null) {
  const shown = await mainText(page);
  assert.doesNotMatch(
    shown,
    new RegExp(escapeRegExp(text)),
    `${page.url()} should not show ${what ?? `"${text}"`}; its main text is:\n${shown}`,
  );
}

/**
 * Wait until the main landmark shows the status `label` as an element of its own (e.g. a
 * `<strong>On loan</strong>`, or "Status: On loan"), not just as part of a longer sentence.
 */
export async function expectStatus(page, label) {
  const main = await mainOf(page);
  const status = main.getByText(new RegExp(`^\\s*(Status:\\s*)?${escapeRegExp(label)}\\s*$`)).filter({ visible: true });
  try {
    await status.first().waitFor({ timeout: TIMEOUT });
  } catch {
    assert.fail(`${page.url()} does not show the status "${label}"; its main text is:\n${await mainText(page)}`);
  }
}

/** The text of the section a heading opens: its section/article, or what follows it up to the next heading of its level. */
export async function sectionText(heading) {
  return heading.evaluate((h) => {
    const box = h.closest('section, article, aside, details');
    if (box) return box.innerText;
    const level = Number(h.tagName.slice(1)) || 6;
    let out = '';
    for (let n = h.nextElementSibling; n; n = n.nextElementSibling) {
      if (/^H[1-6]$/.test(n.tagName) && Number(n.tagName.slice(1)) <= level) break;
      out += `\n${n.innerText}`;
    }
    return out;
  });
}

/** The text of the history section on the page of the device `tag`; fails when it has none. */
export async function deviceHistoryText(page, tag) {
  const history = page.getByRole('heading', { name: /history/i }).first();
  try {
    await history.waitFor({ timeout: TIMEOUT });
  } catch {
    assert.fail(`the page of ${tag} has no heading naming its history`);
  }
  return sectionText(history);
}

/**
 * Wait for the error summary (a role="alert" region, or the element holding a "There is a problem"
 * heading) and return its links.
 */
export async function errorSummaryLinks(page) {
  const alerts = page.getByRole('alert');
  const problem = page.getByRole('heading', { name: /There is a problem/i });
  try {
    await alerts.or(problem).first().waitFor({ timeout: TIMEOUT });
  } catch {
    assert.fail(
      `no error summary (role="alert" or a "There is a problem" heading) on ${page.url()}; h1s ` +
        `${JSON.stringify(await h1Texts(page))}`,
    );
  }
  assert.ok((await problem.count()) > 0, `the error summary on ${page.url()} has no heading "There is a problem"`);
  const candidates = [...(await alerts.all())];
  if ((await problem.count()) > 0) candidates.push(problem.first().locator('xpath=..'));
  const links = [];
  for (const summary of candidates) {
    for (const l of await summary.getByRole('link').all()) {
      links.push({ locator: l, text: (await l.innerText()).replace(/\s+/g, ' ').trim() });
    }
  }
  return links;
}

/** The error summary's link whose text matches `pattern`; fails listing the links there are. */
export async function expectSummaryLink(page, pattern, what) {
  const links = await errorSummaryLinks(page);
  const hit = links.find((l) => pattern.test(l.text));
  assert.ok(
    hit,
    `the error summary on ${page.url()} has no link ${what} (${pattern}); its links are ` +
      `${JSON.stringify(links.map((l) => l.text))}`,
  );
  return hit.locator;
}

// ---------------------------------------------------------------------------------------------
// The organisation every test sets up, and the flows that do it

export const ORG = 'Tower Hamlets Digital';
export const PREFIX = 'TCH';
export const ADMIN = { name: 'Ada Admin', email: 'ada@example.org', password: 'correct horse battery staple' };
export const HUB = { name: 'Whitechapel Community Hub', address: '1 High Street, London E1 1AA' };
/** An asset tag as the organisation set up here writes them. */
export const TAG_PATTERN = new RegExp(`${PREFIX}-\\d{5}`);

/**
 * Follow the server's one-time setup link, check the setup page with axe, create the organisation
 * (ORG, PREFIX) and its first user (ADMIN), and wait to land on Devices.
 */
export async function setUp(page, server) {
  assert.ok(server.setupUrl, 'the server printed no setup link');
  await page.goto(server.setupUrl);
  const org = await field(page, 'Organisation name', { tag: 'input' });
  const prefix = await field(page, 'Asset tag prefix', { tag: 'input' });
  const name = await field(page, 'Your name', { tag: 'input' });
  const email = await field(page, 'Email address', { tag: 'input' });
  const password = await field(page, 'Password', { tag: 'input' });
  const create = await button(page, 'Create account');
  await expectNoAxeViolations(page, 'the setup page');

  await org.fill(ORG);
  await prefix.fill(PREFIX);
  await name.fill(ADMIN.name);
  await email.fill(ADMIN.email);
  await password.fill(ADMIN.password);
  await create.click();
  await expectH1(page, 'Devices');
}

/** On the sign-in page: its h1, both fields and the button. */
export async function expectSignInPage(page) {
  await expectH1(page, 'Sign in');
  await field(page, 'Email address', { tag: 'input' });
  await field(page, 'Password', { tag: 'input' });
  await button(page, 'Sign in');
}

export async function signIn(page, { email, password }) {
  await (await field(page, 'Email address')).fill(email);
  await (await field(page, 'Password')).fill(password);
  await (await button(page, 'Sign in')).click();
}

/** On the Hubs page: add `hub` and wait for it in the page's list (a list or a table), not just in the form. */
export async function addHub(page, hub = HUB) {
  await (await field(page, 'Name', { tag: 'input' })).fill(hub.name);
  await (await field(page, 'Address', { tag: 'textarea' })).fill(hub.address);
  await (await button(page, 'Add hub')).click();
  const listed = page.locator(':is(ul, ol, table) :is(li, td, th)', { hasText: hub.name });
  try {
    await listed.first().waitFor({ timeout: TIMEOUT });
  } catch {
    assert.fail(`"${hub.name}" does not appear in a list or table on ${page.url()} after "Add hub"`);
  }
}

/**
 * Fill the add-device form with `device`: its kind, make and model (`model` may be '' to leave it
 * empty), its serial number and accessories when it has them, and the home hub `hub` (which the
 * form must offer). With `kinds`, "Kind" must offer each of them too.
 */
export async function fillDeviceForm(page, device, { hub = HUB.name, kinds = [] } = {}) {
  const kind = await field(page, 'Kind', { tag: 'select' });
  if (kinds.length > 0) {
    const offered = await kind.evaluate((el) => [...el.options].map((o) => o.label.trim()));
    for (const k of kinds) {
      assert.ok(offered.includes(k), `"Kind" should offer ${k}; it offers ${JSON.stringify(offered)}`);
    }
  }
  await kind.selectOption({ label: device.kind });
  await (await field(page, 'Make')).fill(device.make);
  await (await field(page, 'Model')).fill(device.model);
  if (device.serial !== undefined) await (await field(page, 'Serial number')).fill(device.serial);
  const home = await field(page, 'Home hub', { tag: 'select' });
  const hubs = await home.evaluate((el) => [...el.options].map((o) => o.label.trim()));
  assert.ok(hubs.includes(hub), `"Home hub" should offer "${hub}"; it offers ${JSON.stringify(hubs)}`);
  await home.selectOption({ label: hub });
  if (device.accessories !== undefined) {
    await (await field(page, 'Accessories', { tag: 'input' })).fill(device.accessories);
  }
}

/** Fill the add-device form (as fillDeviceForm), send it, and return the new device's tag from the h1 of its page. */
export async function addDevice(page, device, options = {}) {
  await fillDeviceForm(page, device, options);
  await (await button(page, 'Add device')).click();
  const heading = await expectH1(page, TAG_PATTERN);
  return heading.match(TAG_PATTERN)[0];
}
