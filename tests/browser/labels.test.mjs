// Printing QR labels, driven through headless Chromium against the real lendhub binary: set up, add
// a hub and four laptops, tick three of them on the device list, choose an A4 sheet of 21 and a
// part-used sheet starting at position 5, see which positions will be used, download the PDF and
// check it (qpdf, pdftotext, and the QR codes decoded with zbarimg), see an out-of-range start
// refused, and reach the page for one device from its own page.
//
// Each numbered step is a subtest; a step whose prerequisites failed is skipped, not run against a
// page it does not expect. Every page visited is checked with axe. Failing steps leave a screenshot
// and the page's HTML in artifacts/.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import {
  expectNoAxeViolations,
  launchBrowser,
  saveArtifacts,
  saveText,
  startServer,
} from './harness.mjs';

const TIMEOUT = 15_000;

const ORG = 'Tower Hamlets Digital';
const PREFIX = 'TCH';
const ADMIN = { name: 'Ada Admin', email: 'ada@example.org', password: 'correct horse battery staple' };
const HUB = { name: 'Whitechapel Community Hub', address: '1 High Street, London E1 1AA' };
const LAPTOP = { kind: 'Laptop', make: 'Dell', model: 'Latitude 5490' };
const TAGS = [1, 2, 3, 4].map((n) => `${PREFIX}-${String(n).padStart(5, '0')}`);
const TICKED = [TAGS[0], TAGS[1], TAGS[3]];
const UNTICKED = TAGS[2];
const TAG_PATTERN = new RegExp(`${PREFIX}-\\d{5}`);
const SHEET_CAPTION = 'Which labels of the first sheet will be printed';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The form control labelled `label`, within `scope` (a page or a locator). The label must start
 * with that text (so "Password" does not find "Confirm password"); a hint or error message after
 * it in the same label is tolerated. Fails with a clear message when there is no such control, or
 * when it is not a `tag`.
 */
async function field(scope, label, { tag } = {}) {
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

/** The button with exactly this accessible name, in the page's main landmark. */
async function button(page, name) {
  const b = (await mainOf(page)).getByRole('button', { name, exact: true });
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
async function link(page, name, scope = null) {
  const l = (scope ?? (await mainOf(page))).getByRole('link', { name, exact: true });
  try {
    await l.first().waitFor({ timeout: TIMEOUT });
  } catch {
    assert.fail(`no link "${name}" on ${page.url()}`);
  }
  return l.first();
}

/** The fieldset (role group) whose legend is `legend`. */
async function group(page, legend) {
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
async function choice(page, scope, role, name, where) {
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

async function h1Texts(page) {
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
async function expectH1(page, expected) {
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

/** The page's main landmark, or the body when there is none (axe reports that separately). */
async function mainOf(page) {
  return (await page.locator('main').count()) === 1 ? page.locator('main') : page.locator('body');
}

/** The visible text of the page's main landmark, whitespace collapsed. */
async function mainText(page) {
  return (await (await mainOf(page)).innerText()).replace(/\s+/g, ' ');
}

/** Fail unless the main landmark shows `text` (a string or a RegExp). */
async function expectInMain(page, text, what = null) {
  const re = text instanceof RegExp ? text : new RegExp(escapeRegExp(text));
  const shown = await mainText(page);
  assert.match(shown, re, `${page.url()} should show ${what ?? `"${text}"`}; its main text is:\n${shown}`);
}

/** Fail if the main landmark shows `text`. */
async function expectNotInMain(page, text, what = null) {
  const shown = await mainText(page);
  assert.doesNotMatch(
    shown,
    new RegExp(escapeRegExp(text)),
    `${page.url()} should not show ${what ?? `"${text}"`}; its main text is:\n${shown}`,
  );
}

/** The "Print labels" page lists exactly these tags, after saying how many there are. */
async function expectChosenDevices(page, tags) {
  const count = `${tags.length} ${tags.length === 1 ? 'device' : 'devices'}`;
  await expectInMain(page, new RegExp(`\\b${count}\\b`), `"${count}"`);
  for (const t of tags) await expectInMain(page, t);
  for (const t of TAGS.filter((x) => !tags.includes(x))) {
    await expectNotInMain(page, t, `${t}, which was not chosen`);
  }
}

/** Run a command-line tool; fail with its output when it exits with an error. */
function run(cmd, args, { encoding = 'utf8', okCodes = [0] } = {}) {
  try {
    return execFileSync(cmd, args, { encoding, maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    if (err.code === 'ENOENT') {
      assert.fail(`${cmd} is not installed (apt-get install -y qpdf poppler-utils zbar-tools)`);
    }
    if (okCodes.includes(err.status)) return err.stdout;
    assert.fail(
      `\`${cmd} ${args.join(' ')}\` exited with ${err.status}:\n${err.stdout ?? ''}${err.stderr ?? ''}`,
    );
  }
}

test('print labels for three ticked devices', { timeout: 600_000 }, async (t) => {
  const server = await startServer();
  const browser = await launchBrowser();
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'lendhub-labels-'));

  // Anything a user would notice going wrong outside the assertions: a 5xx, a script error.
  const serverErrors = [];
  const scriptErrors = [];
  const newPage = async () => {
    const context = await browser.newContext({ acceptDownloads: true });
    context.setDefaultTimeout(TIMEOUT);
    context.setDefaultNavigationTimeout(TIMEOUT);
    const page = await context.newPage();
    page.on('response', (res) => {
      if (res.status() >= 500) serverErrors.push(`${res.status()} ${res.request().method()} ${res.url()}`);
    });
    page.on('pageerror', (err) => scriptErrors.push(`${page.url()}: ${err.message}`));
    return page;
  };
  /** POST a form with the page's cookies (page.request), noting any 5xx as the pages do. */
  const postForm = async (page, url, entries) => {
    const res = await page.request.post(`${server.baseUrl}${url}`, {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      data: new URLSearchParams(entries).toString(),
      maxRedirects: 0,
    });
    if (res.status() >= 500) serverErrors.push(`${res.status()} POST ${res.url()} (page.request)`);
    return res;
  };

  let anyFailed = false;
  t.after(async () => {
    await browser.close().catch(() => {});
    await server.stop({ keepData: anyFailed && Boolean(process.env.E2E_KEEP_DATA) });
    if (anyFailed) {
      const file = await saveText('server.log', server.logs());
      const tail = server.logs().split('\n').slice(-40).join('\n');
      console.error(`--- lendhub output, last 40 lines (all of it in ${file}) ---\n${tail}`);
      console.error(`(the downloaded PDF and its rendering are kept in ${workDir})`);
    } else {
      await rm(workDir, { recursive: true, force: true });
    }
  });

  // Steps run in order; each names the steps it needs (default: all before it).
  const outcome = new Map();
  const step = async (id, name, fn, { needs } = {}) => {
    const missing = (needs ?? [...outcome.keys()]).filter((k) => outcome.get(k) !== 'pass');
    if (missing.length > 0) {
      outcome.set(id, 'skip');
      await t.test(`${id}. ${name}`, { skip: `needs step ${missing.join(', ')}` });
      return;
    }
    await t.test(`${id}. ${name}`, { timeout: 120_000 }, async () => {
      try {
        await fn();
        outcome.set(id, 'pass');
      } catch (err) {
        outcome.set(id, 'fail');
        anyFailed = true;
        const pages = browser.contexts().flatMap((c) => c.pages());
        const saved = [];
        for (const [i, p] of pages.entries()) {
          saved.push(...(await saveArtifacts(p, `labels-step-${id}-page-${i}`)));
        }
        if (saved.length) err.message += `\n(saved: ${saved.join(', ')})`;
        throw err;
      }
    });
  };

  const page = await newPage();
  /** The fields the download form sends, in order, as [name, value] pairs. */
  let downloadFields = null;

  await step(1, 'sets up, adds a hub and four laptops', async () => {
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
    await expectNoAxeViolations(page, 'the Devices page, empty');

    await page.goto(`${server.baseUrl}/hubs`);
    await expectH1(page, 'Hubs');
    await expectNoAxeViolations(page, 'the Hubs page');
    await (await field(page, 'Name', { tag: 'input' })).fill(HUB.name);
    await (await field(page, 'Address', { tag: 'textarea' })).fill(HUB.address);
    await (await button(page, 'Add hub')).click();
    const listed = page.locator(':is(ul, ol, table) :is(li, td, th)', { hasText: HUB.name });
    try {
      await listed.first().waitFor({ timeout: TIMEOUT });
    } catch {
      assert.fail(`"${HUB.name}" does not appear in a list or table on ${page.url()} after "Add hub"`);
    }
    await expectNoAxeViolations(page, 'the Hubs page with one hub');

    for (const [i, expected] of TAGS.entries()) {
      await page.goto(`${server.baseUrl}/devices/new`);
      await expectH1(page, 'Add a device');
      const kind = await field(page, 'Kind', { tag: 'select' });
      if (i === 0) await expectNoAxeViolations(page, 'the add-device form');
      await kind.selectOption({ label: LAPTOP.kind });
      await (await field(page, 'Make')).fill(LAPTOP.make);
      await (await field(page, 'Model')).fill(LAPTOP.model);
      const hub = await field(page, 'Home hub', { tag: 'select' });
      await hub.selectOption({ label: HUB.name });
      await (await button(page, 'Add device')).click();
      const heading = await expectH1(page, TAG_PATTERN);
      assert.equal(heading.match(TAG_PATTERN)[0], expected, `device number ${i + 1} should be tagged ${expected}; its h1 is "${heading}"`);
      if (i === 0) await expectNoAxeViolations(page, `the page of ${expected}`);
    }
  });

  await step(2, 'ticks three devices on the device list and asks to print their labels', async () => {
    await page.goto(`${server.baseUrl}/devices`);
    await expectH1(page, 'Devices');
    const main = await mainOf(page);
    for (const tag of TAGS) {
      await choice(page, main, 'checkbox', `Print a label for ${tag}`, 'in the device list');
    }
    await expectNoAxeViolations(page, 'the Devices page with four devices');

    for (const tag of TICKED) {
      await (await choice(page, main, 'checkbox', `Print a label for ${tag}`, 'in the device list')).check();
    }
    const untickedBox = await choice(page, main, 'checkbox', `Print a label for ${UNTICKED}`, 'in the device list');
    assert.equal(await untickedBox.isChecked(), false, `"Print a label for ${UNTICKED}" should be left unticked`);
    await expectNoAxeViolations(page, 'the Devices page with three devices ticked');
    await (await button(page, 'Print labels for the ticked devices')).click();
  });

  await step(3, 'the Print labels page lists the three; choose an A4 sheet of 21 starting at 5', async () => {
    await expectH1(page, 'Print labels');
    await expectChosenDevices(page, TICKED);
    await expectNoAxeViolations(page, 'the Print labels page for three devices');

    const labels = await group(page, 'Labels');
    const a4x21 = await choice(page, labels, 'radio', /^A4 sheet of 21\b/, 'under "Labels"');
    await a4x21.check();
    const start = await field(page, 'Start at position', { tag: 'input' });
    await start.fill('5');
    await (await button(page, 'Show the positions')).click();
  });

  await step(4, 'the first sheet leaves positions 1 to 4 empty and fills 5, 6 and 7', async () => {
    await expectH1(page, 'Print labels');
    const sheet = (await mainOf(page)).getByRole('table', { name: SHEET_CAPTION, exact: true });
    try {
      await sheet.waitFor({ timeout: TIMEOUT });
    } catch {
      assert.fail(`no table captioned "${SHEET_CAPTION}" on ${page.url()}; its main text is:\n${await mainText(page)}`);
    }
    const caption = sheet.locator('caption');
    assert.equal(await caption.count(), 1, `the sheet table on ${page.url()} should have a <caption>`);
    assert.equal(
      await caption.evaluate((el) => {
        const r = el.getBoundingClientRect();
        return r.width <= 1 && r.height <= 1;
      }),
      true,
      `the caption "${SHEET_CAPTION}" should be visually hidden`,
    );

    const cells = (await sheet.getByRole('cell').allInnerTexts()).map((s) => s.replace(/\s+/g, ' ').trim());
    const expected = Array.from({ length: 21 }, (_, i) => {
      const position = i + 1;
      const tag = position >= 5 && position <= 7 ? TICKED[position - 5] : null;
      return `${position}: ${tag ?? 'left empty'}`;
    });
    assert.deepEqual(cells, expected, `the cells of the first sheet on ${page.url()}`);
    await expectInMain(page, /\b1 sheet in all\b/, '"1 sheet in all"');
    assert.equal(
      await (await field(page, 'Start at position')).inputValue(),
      '5',
      '"Start at position" should still hold 5',
    );
    const a4x21 = await choice(page, await group(page, 'Labels'), 'radio', /^A4 sheet of 21\b/, 'under "Labels"');
    assert.ok(await a4x21.isChecked(), 'the "A4 sheet of 21" radio should still be chosen');
    await expectNoAxeViolations(page, 'the Print labels page with the positions shown');
  });

  await step(5, 'downloads the PDF: valid, with the three tags and their QR codes', async () => {
    const download = await button(page, 'Download the labels (PDF)');
    const form = download.locator('xpath=ancestor::form[1]');
    assert.equal(await form.count(), 1, 'the button "Download the labels (PDF)" should be in a form');
    downloadFields = await form.evaluate((f) => [...new FormData(f).entries()].map(([k, v]) => [k, String(v)]));
    const sent = (name) => downloadFields.filter(([k]) => k === name).map(([, v]) => v);
    assert.deepEqual(sent('tag'), TICKED, `the download form should send the three tags; it sends ${JSON.stringify(downloadFields)}`);
    assert.deepEqual(sent('layout'), ['a4-21'], `the download form should send layout a4-21; it sends ${JSON.stringify(downloadFields)}`);
    assert.deepEqual(sent('start_position'), ['5'], `the download form should send start_position 5; it sends ${JSON.stringify(downloadFields)}`);
    assert.equal(sent('copies').length, 1, `the download form should send copies; it sends ${JSON.stringify(downloadFields)}`);

    // Clicking either downloads the PDF or, when the server answers with Content-Disposition
    // inline, opens it in Chromium's own viewer. Wait for whichever comes first: the download, or
    // the answer to the POST.
    const isPrint = (res) => new URL(res.url()).pathname === '/labels/print' && res.request().method() === 'POST';
    const downloaded = page.waitForEvent('download', { timeout: TIMEOUT }).catch(() => null);
    const answered = page.waitForResponse(isPrint, { timeout: TIMEOUT }).catch(() => null);
    const briefly = (promise, ms) => Promise.race([promise, sleep(ms).then(() => null)]);
    await download.click();
    const first = await Promise.race([
      downloaded.then((file) => file && { file }),
      answered.then((response) => response && { response }),
    ]);
    assert.ok(first, `clicking "Download the labels (PDF)" neither downloaded anything nor sent POST /labels/print (at ${page.url()})`);
    const file = first.file ?? (await briefly(downloaded, 2_000));
    const response = first.response ?? (await briefly(answered, 1_000));
    if (response) {
      assert.equal(response.status(), 200, `POST /labels/print answered ${response.status()}`);
    }

    let bytes = null;
    let how;
    let contentType = response?.headers()['content-type'] ?? null;
    if (file) {
      const failure = await file.failure();
      assert.equal(failure, null, `the download of ${file.url()} failed: ${failure}`);
      assert.match(file.suggestedFilename(), /\.pdf$/i, `the download should be named *.pdf; it is "${file.suggestedFilename()}"`);
      const saved = path.join(workDir, 'download.pdf');
      await file.saveAs(saved);
      bytes = await readFile(saved);
      how = 'browser download';
    }
    // Shown inline, the PDF is not to be had from the browser (the response's body is then
    // Chromium's viewer page), so send the same form with the page's cookies instead.
    if (!bytes || !contentType) {
      const res = await postForm(page, '/labels/print', downloadFields);
      assert.equal(res.status(), 200, `POST /labels/print answered ${res.status()}:\n${(await res.text()).slice(0, 2000)}`);
      contentType ??= res.headers()['content-type'];
      if (!bytes) {
        bytes = await res.body();
        how = 'page.request';
      }
    }
    assert.match(contentType ?? '', /^application\/pdf\b/, `POST /labels/print should answer application/pdf, answered ${contentType}`);
    assert.ok(bytes.length > 0, 'the PDF is empty');
    assert.equal(bytes.subarray(0, 5).toString('latin1'), '%PDF-', `the PDF (from ${how}) does not start with %PDF-`);

    const pdf = path.join(workDir, 'labels.pdf');
    await writeFile(pdf, bytes);
    run('qpdf', ['--check', pdf]);

    const info = run('pdfinfo', [pdf]);
    assert.match(info, /^Pages:\s+1$/m, `the PDF should have one page (one sheet); pdfinfo says:\n${info}`);

    const text = run('pdftotext', [pdf, '-']);
    for (const tag of TICKED) assert.match(text, new RegExp(escapeRegExp(tag)), `the PDF's text should contain ${tag}:\n${text}`);
    assert.doesNotMatch(text, new RegExp(escapeRegExp(UNTICKED)), `the PDF's text should not contain ${UNTICKED}:\n${text}`);

    const pngBase = path.join(workDir, 'labels');
    run('pdftoppm', ['-r', '200', '-png', '-singlefile', pdf, pngBase]);
    const codes = run('zbarimg', ['--raw', '-q', `${pngBase}.png`], { okCodes: [4] })
      .split('\n')
      .map((s) => s.trim())
      .filter(Boolean)
      .sort();
    assert.deepEqual(
      codes,
      TICKED.map((tag) => `${server.baseUrl}/d/${tag}`).sort(),
      `the QR codes on the first page of the PDF (fetched by ${how})`,
    );
  });

  await step(6, 'a start position past the sheet is refused with 422 and an error summary', async () => {
    const res = await postForm(page, '/labels/print', [
      ['tag', TAGS[0]],
      ['layout', 'a4-21'],
      ['start_position', '99'],
      ['copies', '1'],
    ]);
    const html = await res.text();
    assert.equal(res.status(), 422, `POST /labels/print with start_position 99 answered ${res.status()}:\n${html.slice(0, 2000)}`);
    assert.match(res.headers()['content-type'] ?? '', /^text\/html\b/, 'the refusal should be an HTML page');
    assert.match(html, /There is a problem/, `the refusal should say "There is a problem":\n${html}`);
    assert.match(html, /start position must be from 1 to 21/, `the refusal should say "the start position must be from 1 to 21":\n${html}`);
    // Not axe-checked: the page would have to be loaded with page.setContent, without its base URL.
  }, { needs: [1] });

  await step(7, 'the page of TCH-00003 has "Print its label", leading to labels for it alone', async () => {
    await page.goto(`${server.baseUrl}/devices/${UNTICKED}`);
    await expectH1(page, new RegExp(`(^|\\s)${escapeRegExp(UNTICKED)}(\\s|$)`));
    const print = await link(page, 'Print its label');
    await expectNoAxeViolations(page, `the page of ${UNTICKED}`);
    await print.click();
    await expectH1(page, 'Print labels');
    await expectChosenDevices(page, [UNTICKED]);
    await expectNoAxeViolations(page, `the Print labels page for ${UNTICKED}`);
  }, { needs: [1] });

  await step(8, 'no request was answered with a 5xx and no page script failed', async () => {
    assert.deepEqual(serverErrors, [], `the server answered with 5xx:\n${serverErrors.join('\n')}`);
    assert.deepEqual(scriptErrors, [], `page scripts threw:\n${scriptErrors.join('\n')}`);
  }, { needs: [] });
});
