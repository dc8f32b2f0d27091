// The counter by keyboard alone, on a phone-sized screen (360 × 740): find the device by typing
// its label's QR address into Find, lend it to a borrower, have them sign, take it back and record
// the checks. Every step moves with Tab, types, and presses Enter or Space: no clicks. (Setting up
// the hub, the laptop and the borrower goes through the API, as another step's test covers them.)

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { HUB, expectH1, expectInMain, expectNoAxeViolations, saveArtifacts, setUp, startRun } from './harness.mjs';

const BORROWER = { name: 'Margaret Ellis', phone: '07700 900555' };

/** What has the keyboard focus: its tag, its accessible words and its value, on one line. */
async function focused(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return '';
    const label = el.labels && el.labels.length ? el.labels[0].textContent : '';
    const words = [el.getAttribute('aria-label'), label, el.tagName === 'A' || el.tagName === 'BUTTON' ? el.textContent : ''];
    return `${el.tagName.toLowerCase()} ${words.filter(Boolean).join(' ')}`.replace(/\s+/g, ' ').trim();
  });
}

/** Presses Tab until the focused control matches `what`, failing after 80 presses. */
async function tabTo(page, what) {
  const seen = [];
  for (let i = 0; i < 80; i += 1) {
    await page.keyboard.press('Tab');
    const now = await focused(page);
    if (what.test(now)) return;
    seen.push(now);
  }
  assert.fail(`Tab never reached ${what} on ${page.url()}; it went through:\n${seen.join('\n')}`);
}

/** Presses `key` and waits for the page it leads to. */
async function pressAndGo(page, key) {
  const before = page.url();
  await Promise.all([page.waitForURL((url) => url.href !== before), page.keyboard.press(key)]);
  await page.waitForLoadState('domcontentloaded');
}

/** Tabs to the link or button and presses Enter on it, then waits for the next page. */
async function activate(page, what) {
  await tabTo(page, what);
  await pressAndGo(page, 'Enter');
}

test('the counter by keyboard alone at 360 px', { timeout: 300_000 }, async (t) => {
  const { server, newPage, step, expectNoServerOrScriptErrors } = await startRun(t, {
    artifactPrefix: 'keyboard-',
    contextOptions: { viewport: { width: 360, height: 740 } },
  });
  const page = await newPage();
  let tag = null;

  await step(1, 'sets up a hub, a laptop and a borrower', async () => {
    await setUp(page, server);
    const api = async (method, path, data) => {
      const response = await page.request.fetch(`${server.baseUrl}/api/v1${path}`, { method, data });
      assert.ok(response.ok(), `${method} ${path} answered ${response.status()}: ${await response.text()}`);
      return response.json();
    };
    const hub = await api('POST', '/hubs', { name: HUB.name, address: HUB.address });
    const device = await api('POST', '/devices', { kind: 'laptop', make: 'Dell', model: 'Latitude 5490', hub_id: hub.id, accessories: ['charger'] });
    tag = device.asset_tag;
    await api('POST', '/borrowers', { ...BORROWER, consent: { data_processing: true } });
  });

  await step(2, 'types the scanned QR address into Find and lands on the device', async () => {
    await page.goto(`${server.baseUrl}/devices`);
    await tabTo(page, /^input Find a device/);
    await page.keyboard.type(`${server.baseUrl}/d/${tag}`);
    await Promise.all([page.waitForURL(`**/devices/${tag}`), page.keyboard.press('Enter')]);
    await expectH1(page, new RegExp(tag));
  });

  await step(3, 'lends it: finds the borrower, keeps the due date and charger, checks and lends', async () => {
    await activate(page, /^a Lend it out/);
    await expectH1(page, 'Who is borrowing it?');
    await tabTo(page, /^input Find the borrower/);
    await page.keyboard.type('Margaret');
    await pressAndGo(page, 'Enter');
    await activate(page, new RegExp(`^a Lend to ${BORROWER.name}`));
    await expectH1(page, `Lend to ${BORROWER.name}`);
    await activate(page, /^button Continue/);
    await expectH1(page, 'Check before lending');
    await activate(page, /^button Lend the device/);
    await expectH1(page, 'Loan agreement');
    await expectInMain(page, `${tag} lent to ${BORROWER.name}`);
    await expectNoAxeViolations(page, 'the agreement page after lending, at 360 px');
    await saveArtifacts(page, 'phone-after-lending-360');
  });

  await step(4, 'the borrower signs with a typed name, straight after lending', async () => {
    await tabTo(page, /^input Type your full name/);
    await page.keyboard.type(BORROWER.name);
    await tabTo(page, /^input I have read this agreement/);
    await page.keyboard.press('Space');
    await activate(page, /^button Sign the agreement/);
    await expectH1(page, new RegExp(`^Loan of ${tag}`));
    await expectInMain(page, /signed/i);
  });

  await step(5, 'takes it back in good condition', async () => {
    await page.goto(`${server.baseUrl}/devices/${tag}`);
    await activate(page, /^a Take it back/);
    await tabTo(page, /^input (New|Good|Fair|Poor)$/);
    // Arrow keys move through a radio group; choose "Good".
    for (let i = 0; i < 4 && !/Good$/.test(await focused(page)); i += 1) {
      await page.keyboard.press('ArrowDown');
    }
    assert.match(await focused(page), /Good$/);
    await activate(page, /^button Record the return/);
    await expectInMain(page, `${tag} taken back from ${BORROWER.name}`);
  });

  await step(6, 'records the checks: wiped by Windows reset, all there, good', async () => {
    await activate(page, /^a Record the checks/);
    await expectH1(page, 'Record the checks');
    await tabTo(page, /^input The data on it has been wiped/);
    await page.keyboard.press('Space');
    await tabTo(page, /^select How was it wiped/);
    await page.keyboard.type('Windows');
    await tabTo(page, /^input Yes/);
    await page.keyboard.press('Space');
    await tabTo(page, /^input (New|Good|Fair|Poor)$/);
    for (let i = 0; i < 4 && !/Good$/.test(await focused(page)); i += 1) {
      await page.keyboard.press('ArrowDown');
    }
    await activate(page, /^button Record the checks/);
    await expectInMain(page, `${tag} is checked and ready to lend`);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 360, `the device page is ${width} px wide at 360 px`);
  });

  await step(7, 'no request was answered with a 5xx and no page script failed', expectNoServerOrScriptErrors, { needs: [] });
});
