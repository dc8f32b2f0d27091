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
  HUB,
  PREFIX,
  TIMEOUT,
  addDevice,
  addHub,
  button,
  choice,
  escapeRegExp,
  expectH1,
  expectInMain,
  expectNoAxeViolations,
  expectNotInMain,
  field,
  group,
  link,
  mainOf,
  mainText,
  setUp,
  sleep,
  startRun,
  tagHeading,
} from './harness.mjs';

const LAPTOP = { kind: 'Laptop', make: 'Dell', model: 'Latitude 5490' };
const TAGS = [1, 2, 3, 4].map((n) => `${PREFIX}-${String(n).padStart(5, '0')}`);
const TICKED = [TAGS[0], TAGS[1], TAGS[3]];
const UNTICKED = TAGS[2];
const SHEET_CAPTION = 'Which labels of the first sheet will be printed';

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
  const { server, newPage, step, serverErrors, expectNoServerOrScriptErrors, failed } = await startRun(t, {
    artifactPrefix: 'labels-',
    contextOptions: { acceptDownloads: true },
  });
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'lendhub-labels-'));
  t.after(async () => {
    if (failed()) {
      console.error(`(the downloaded PDF and its rendering are kept in ${workDir})`);
    } else {
      await rm(workDir, { recursive: true, force: true });
    }
  });

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

  const page = await newPage();
  /** The fields the download form sends, in order, as [name, value] pairs. */
  let downloadFields = null;

  await step(1, 'sets up, adds a hub and four laptops', async () => {
    await setUp(page, server);
    await expectNoAxeViolations(page, 'the Devices page, empty');

    await page.goto(`${server.baseUrl}/hubs`);
    await expectH1(page, 'Hubs');
    await expectNoAxeViolations(page, 'the Hubs page');
    await addHub(page, HUB);
    await expectNoAxeViolations(page, 'the Hubs page with one hub');

    for (const [i, expected] of TAGS.entries()) {
      await page.goto(`${server.baseUrl}/devices/new`);
      await expectH1(page, 'Add a device');
      await field(page, 'Kind', { tag: 'select' });
      if (i === 0) await expectNoAxeViolations(page, 'the add-device form');
      const tag = await addDevice(page, LAPTOP);
      assert.equal(tag, expected, `device number ${i + 1} should be tagged ${expected}; it was tagged ${tag}`);
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
    await expectH1(page, tagHeading(UNTICKED));
    const print = await link(page, 'Print its label');
    await expectNoAxeViolations(page, `the page of ${UNTICKED}`);
    await print.click();
    await expectH1(page, 'Print labels');
    await expectChosenDevices(page, [UNTICKED]);
    await expectNoAxeViolations(page, `the Print labels page for ${UNTICKED}`);
  }, { needs: [1] });

  await step(8, 'no request was answered with a 5xx and no page script failed', expectNoServerOrScriptErrors, { needs: [] });
});
