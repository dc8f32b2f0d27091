// The counter, driven through headless Chromium against the real lendhub binary: set up, add a hub
// and a laptop, open it from its QR link, lend it to a borrower who is not on file yet (adding them
// on the way, first without their consent), answer what they agree to at their first loan, check
// and lend, take it back, record the checks after a first try with nothing ticked, and see it
// ready to lend again with its history and loans. On the way the borrower signs the loan
// agreement with their typed name and a drawn signature.
//
// Each numbered step is a subtest; a step whose prerequisites failed is skipped, not run against a
// page it does not expect. Every distinct page visited, error states included, is checked with axe.
// Failing steps leave a screenshot and the page's HTML in artifacts/.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import {
  HUB,
  TIMEOUT,
  addDevice,
  addHub,
  button,
  choice,
  deviceHistoryText,
  escapeRegExp,
  expectH1,
  expectInMain,
  expectNoAxeViolations,
  expectStatus,
  expectSummaryLink,
  field,
  group,
  link,
  mainOf,
  mainText,
  saveArtifacts,
  setUp,
  startRun,
  tagHeading,
} from './harness.mjs';

const LAPTOP = {
  kind: 'Laptop',
  make: 'Dell',
  model: 'Latitude 5490',
  serial: 'DL5490-1',
  accessories: 'charger, sleeve',
};
const BORROWER = { name: 'Siân Evans', phone: '07700 900123', postcode: 'e1 5hr', postcodeShown: 'E1 5HR' };
const CONSENT_LABEL = 'They agree that we keep and use these details';
const LONG_DATE = /\b\d{1,2} [A-Z][a-z]+ \d{4}\b/;

test('the counter: issue to a new borrower, take back, check, lend again', { timeout: 600_000 }, async (t) => {
  const { server, newPage, step, expectNoServerOrScriptErrors } = await startRun(t, { artifactPrefix: 'counter-' });

  const page = await newPage();
  let tag = null;
  let loanUrl = null;

  await step(1, 'sets up, adds a hub and a laptop with its accessories', async () => {
    await setUp(page, server);
    await expectNoAxeViolations(page, 'the Devices page');

    await page.goto(`${server.baseUrl}/hubs`);
    await expectH1(page, 'Hubs');
    await addHub(page, HUB);
    await expectNoAxeViolations(page, 'the Hubs page with one hub');

    await page.goto(`${server.baseUrl}/devices/new`);
    await field(page, 'Kind', { tag: 'select' });
    await expectNoAxeViolations(page, 'the add-device form');
    tag = await addDevice(page, LAPTOP);
  });

  await step(2, 'the QR link opens the device page, available, with "Lend it out"', async () => {
    await page.goto(`${server.baseUrl}/d/${tag}`);
    await expectH1(page, tagHeading(tag));
    await expectStatus(page, 'Available');
    const lend = await link(page, 'Lend it out');
    await expectNoAxeViolations(page, `the page of ${tag}, available`);
    await lend.click();
  });

  await step(3, 'searching finds no such borrower; offers to add one', async () => {
    await expectH1(page, 'Who is borrowing it?');
    const search = await field(page, 'Find the borrower', { tag: 'input' });
    const find = await button(page, 'Find');
    await expectNoAxeViolations(page, 'the choose-a-borrower page');

    await search.fill('Siân');
    await find.click();
    const none = (await mainOf(page)).getByText(/No borrower matches/);
    try {
      await none.first().waitFor({ timeout: TIMEOUT });
    } catch {
      assert.fail(`searching "Siân" on ${page.url()} does not say "No borrower matches"; it shows:\n${await mainText(page)}`);
    }
    await expectH1(page, 'Who is borrowing it?');
    await expectNoAxeViolations(page, 'the choose-a-borrower page with no match');
    await (await link(page, 'Add a new borrower')).click();
  });

  await step(4, 'adds the borrower: refused without consent, then added', async () => {
    await expectH1(page, 'Add a borrower');
    const name = await field(page, 'Full name', { tag: 'input' });
    const phone = await field(page, 'Phone number (optional)', { tag: 'input' });
    await field(page, 'Email address (optional)', { tag: 'input' });
    await field(page, 'Postal address (optional)');
    const postcode = await field(page, 'Postcode (optional)', { tag: 'input' });
    await choice(page, await mainOf(page), 'checkbox', 'They would rather be phoned than emailed', 'on the form');
    const barriers = await group(page, 'What stops them getting online? (optional)');
    for (const b of ['No device', 'No internet connection', 'Skills or confidence']) {
      await choice(page, barriers, 'checkbox', b, 'under "What stops them getting online? (optional)"');
    }
    await choice(page, await mainOf(page), 'checkbox', 'They need large print', 'on the form');
    const consent = await field(page, CONSENT_LABEL, { tag: 'input' });
    assert.equal(await consent.getAttribute('type'), 'checkbox', `"${CONSENT_LABEL}…" should be a checkbox`);
    // The consent comes last of the form's fields.
    const lastField = await (await mainOf(page))
      .locator('form')
      .filter({ has: consent })
      .evaluate((form) => {
        const controls = [...form.querySelectorAll('input, select, textarea')].filter((el) => el.type !== 'hidden');
        return controls.at(-1)?.id ?? null;
      });
    assert.equal(lastField, await consent.getAttribute('id'), 'the consent checkbox should be the last field of the form');
    await button(page, 'Add the borrower');
    await expectNoAxeViolations(page, 'the add-borrower form');

    await name.fill(BORROWER.name);
    await phone.fill(BORROWER.phone);
    await postcode.fill(BORROWER.postcode);
    await (await choice(page, barriers, 'checkbox', 'No device', 'under "What stops them getting online?"')).check();
    await (await button(page, 'Add the borrower')).click();

    // Refused without consent.
    await expectSummaryLink(page, /\b(keep|keeping)\b.*\bdetails\b/i, 'mentioning keeping their details');
    await expectH1(page, 'Add a borrower');
    const consentAgain = await field(page, CONSENT_LABEL, { tag: 'input' });
    assert.equal(
      await consentAgain.getAttribute('aria-invalid'),
      'true',
      'the consent checkbox should be aria-invalid="true" after sending without it',
    );
    assert.equal(await (await field(page, 'Full name')).inputValue(), BORROWER.name, 'the typed name should still be in "Full name"');
    await expectNoAxeViolations(page, 'the add-borrower form refused without consent');

    await consentAgain.check();
    await (await button(page, 'Add the borrower')).click();
  });

  await step(5, 'how long, what goes with it and what they agree to: a due date filled in, both accessories ticked, the consents not yet given asked', async () => {
    await expectH1(page, `Lend to ${BORROWER.name}`);
    const due = await field(page, 'Date it is due back', { tag: 'input' });
    const dueValue = await due.inputValue();
    assert.match(dueValue, /^\d{4}-\d{2}-\d{2}$/, `"Date it is due back" should be filled in as YYYY-MM-DD; it holds "${dueValue}"`);
    const accessories = await group(page, 'Accessories handed over');
    for (const a of ['charger', 'sleeve']) {
      const box = await choice(page, accessories, 'checkbox', a, 'under "Accessories handed over"');
      assert.ok(await box.isChecked(), `"${a}" should be ticked under "Accessories handed over"`);
    }
    // A first loan asks about each purpose they have not agreed to yet; nothing is ticked for them.
    const agrees = await group(page, 'What they agree to');
    const followUp = await choice(page, agrees, 'checkbox', 'Being asked later how it went', 'under "What they agree to"');
    assert.equal(await followUp.isChecked(), false, 'nothing is agreed to on their behalf');
    await followUp.check();
    const go = await button(page, 'Continue');
    await expectNoAxeViolations(page, `the lend-to-${BORROWER.name} form`);
    await go.click();
  });

  await step(6, 'check before lending shows the borrower, the due date in words and the accessories', async () => {
    await expectH1(page, 'Check before lending');
    await expectInMain(page, BORROWER.name);
    await expectInMain(page, LONG_DATE, 'the due date written like "12 March 2027"');
    await expectInMain(page, 'charger, sleeve');
    await expectInMain(page, 'Being asked later how it went', 'what they agreed to at the counter');
    const lend = await button(page, 'Lend the device');
    await expectNoAxeViolations(page, 'the check-before-lending page');
    await lend.click();
  });

  await step(7, 'lending goes straight on to the agreement; the loan page says it is not signed', async () => {
    await expectH1(page, 'Loan agreement');
    await expectInMain(page, `${tag} lent to ${BORROWER.name}`);
    await expectInMain(page, 'Not signed yet');
    await saveArtifacts(page, 'counter-after-lending');
    loanUrl = new URL(await page.locator('.breadcrumb a').getAttribute('href'), page.url()).href;
    await page.goto(loanUrl);
    const heading = await expectH1(page, new RegExp(`^Loan of ${escapeRegExp(tag)}\\b`));
    assert.ok(heading.includes(BORROWER.name), `the loan's h1 "${heading}" should name ${BORROWER.name}`);
    await expectStatus(page, 'On loan');
    await expectInMain(page, 'The agreement is not signed.');
    await expectNoAxeViolations(page, 'the loan page');
  });

  await step(8, 'the borrower signs the agreement: refused with nothing filled in, then signed with a typed name and a drawn signature; the device page shows it on loan', async () => {
    await (await link(page, 'Sign the agreement')).click();
    await expectH1(page, 'Loan agreement');
    await expectInMain(page, BORROWER.name);
    await expectInMain(page, tag);
    await expectInMain(page, LAPTOP.serial);
    await expectInMain(page, /Terms version \S+/, 'the terms version');
    await expectInMain(page, 'If it breaks or stops working');
    await field(page, 'Type your full name', { tag: 'input' });
    await field(page, 'I have read this agreement and I agree to it', { tag: 'input' });
    await expectNoAxeViolations(page, 'the agreement page');

    await (await button(page, 'Sign the agreement')).click();
    await expectSummaryLink(page, /type your full name/i, 'asking for the typed name');
    await expectSummaryLink(page, /tick the box/i, 'asking for the tick');
    await expectNoAxeViolations(page, 'the agreement page refused with nothing filled in');

    await (await field(page, 'Type your full name', { tag: 'input' })).fill(BORROWER.name);
    await (await field(page, 'I have read this agreement and I agree to it', { tag: 'input' })).check();
    // Draw a signature with the mouse, as a finger would on a tablet.
    const pad = (await mainOf(page)).locator('canvas');
    await pad.scrollIntoViewIfNeeded();
    const box = await pad.boundingBox();
    assert.ok(box, 'the signature pad should be shown when scripts run');
    await page.mouse.move(box.x + box.width * 0.1, box.y + box.height * 0.7);
    await page.mouse.down();
    for (const [x, y] of [[0.3, 0.2], [0.5, 0.8], [0.7, 0.3], [0.9, 0.6]]) {
      await page.mouse.move(box.x + box.width * x, box.y + box.height * y, { steps: 5 });
    }
    await page.mouse.up();
    await expectInMain(page, 'You have drawn a signature.');
    await (await button(page, 'Sign the agreement')).click();

    await expectH1(page, new RegExp(`^Loan of ${escapeRegExp(tag)}\\b`));
    await expectInMain(page, `${BORROWER.name} signed on screen`);
    const download = await link(page, 'Download the signed agreement (PDF)');
    await expectNoAxeViolations(page, 'the loan page with a signed agreement');

    // The signed PDF says who agreed and that they also drew their signature.
    const response = await page.request.get(new URL(await download.getAttribute('href'), page.url()).href);
    assert.equal(response.status(), 200);
    assert.equal(response.headers()['content-type'], 'application/pdf');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'lendhub-agreement-'));
    try {
      const file = path.join(dir, 'agreement.pdf');
      await writeFile(file, await response.body());
      const text = execFileSync('pdftotext', ['-enc', 'UTF-8', file, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
      for (const needle of [`${BORROWER.name} agreed to this on screen`, 'and signing below', tag]) {
        assert.ok(text.includes(needle), `the signed agreement should say "${needle}"; it says:\n${text}`);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }

    await page.goto(`${server.baseUrl}/d/${tag}`);
    await expectH1(page, tagHeading(tag));
    await expectInMain(page, 'On loan to');
    await expectStatus(page, 'On loan');
    const takeBack = await link(page, 'Take it back');
    await expectNoAxeViolations(page, `the page of ${tag}, on loan`);
    await takeBack.click();
  });

  await step(9, 'takes it back: fair, without the sleeve, with a note', async () => {
    await expectH1(page, 'Take the device back');
    const condition = await group(page, 'What condition is it in?');
    for (const c of ['New', 'Good', 'Fair', 'Poor']) {
      await choice(page, condition, 'radio', c, 'under "What condition is it in?"');
    }
    const back = await group(page, 'Accessories brought back');
    const notes = await field(page, 'Notes (optional)', { tag: 'textarea' });
    const record = await button(page, 'Record the return');
    await expectNoAxeViolations(page, 'the take-back form');

    await (await choice(page, condition, 'radio', 'Fair', 'under "What condition is it in?"')).check();
    await (await choice(page, back, 'checkbox', 'sleeve', 'under "Accessories brought back"')).uncheck();
    await notes.fill('Scuffed lid');
    await record.click();
  });

  await step(10, 'the device awaits its checks and cannot be lent yet', async () => {
    await expectH1(page, tagHeading(tag));
    await expectStatus(page, 'Awaiting checks');
    const checks = await link(page, 'Record the checks');
    const lend = page.getByRole('link', { name: 'Lend it out', exact: true });
    assert.equal(await lend.count(), 0, `${page.url()} offers "Lend it out" while the device awaits its checks`);
    await expectNoAxeViolations(page, `the page of ${tag}, awaiting checks`);
    await checks.click();
  });

  await step(11, 'records the checks: refused with nothing ticked, then recorded', async () => {
    await expectH1(page, 'Record the checks');
    await field(page, 'The data on it has been wiped', { tag: 'input' });
    await field(page, 'How was it wiped?', { tag: 'select' });
    await group(page, 'Are all its accessories there?');
    await group(page, 'What condition is it in?');
    await expectNoAxeViolations(page, 'the checks form');

    await (await button(page, 'Record the checks')).click();
    await expectSummaryLink(page, /Wipe the device[’']s data/i, 'about wiping the data');
    await expectH1(page, 'Record the checks');
    await expectNoAxeViolations(page, 'the checks form refused with nothing ticked');

    await (await field(page, 'The data on it has been wiped', { tag: 'input' })).check();
    const method = await field(page, 'How was it wiped?', { tag: 'select' });
    const labels = await method.evaluate((el) => [...el.options].map((o) => o.label.trim()));
    const windows = labels.find((l) => l.startsWith('Windows'));
    assert.ok(windows, `"How was it wiped?" should offer a Windows method; it offers ${JSON.stringify(labels)}`);
    await method.selectOption({ label: windows });
    const complete = await group(page, 'Are all its accessories there?');
    await (await choice(page, complete, 'radio', 'No, something is missing', 'under "Are all its accessories there?"')).check();
    const condition = await group(page, 'What condition is it in?');
    await (await choice(page, condition, 'radio', 'Fair', 'under "What condition is it in?"')).check();
    await (await button(page, 'Record the checks')).click();
  });

  await step(12, 'available again, with its history and loans; the borrower page shows the loan', async () => {
    await expectH1(page, tagHeading(tag));
    await expectStatus(page, 'Available');
    await link(page, 'Lend it out');

    const historyText = await deviceHistoryText(page, tag);
    for (const entry of ['Lent out by', 'Taken back by', 'Data wiped and checked by']) {
      assert.match(historyText, new RegExp(escapeRegExp(entry)), `the history of ${tag} should list "${entry}"; it says:\n${historyText}`);
    }

    const loans = (await mainOf(page)).getByRole('table', { name: /loans/i });
    try {
      await loans.first().waitFor({ timeout: TIMEOUT });
    } catch {
      assert.fail(`the page of ${tag} has no table named for its loans`);
    }
    const row = loans.first().getByRole('row').filter({ hasText: BORROWER.name });
    assert.equal(await row.count(), 1, `the Loans table of ${tag} should have one row for ${BORROWER.name}:\n${await loans.first().innerText()}`);
    assert.match(await row.innerText(), /\bReturned\b/, `the loan to ${BORROWER.name} should show "Returned": ${await row.innerText()}`);
    await expectNoAxeViolations(page, `the page of ${tag}, available again`);

    const borrowerLink = await link(page, BORROWER.name, row);
    const href = await borrowerLink.getAttribute('href');
    await borrowerLink.click();
    try {
      await expectH1(page, BORROWER.name);
    } catch (err) {
      err.message =
        `the link "${BORROWER.name}" in the Loans table of ${tag} (href ${href}) should open the ` +
        `borrower's page:\n${err.message}`;
      throw err;
    }
    await expectInMain(page, BORROWER.postcodeShown, `the postcode "${BORROWER.postcodeShown}"`);
    const theirLoans = (await mainOf(page)).getByRole('table', { name: /loans/i });
    try {
      await theirLoans.first().waitFor({ timeout: TIMEOUT });
    } catch {
      assert.fail(`the page of ${BORROWER.name} (${page.url()}) has no table named for their loans`);
    }
    assert.match(await theirLoans.first().innerText(), new RegExp(escapeRegExp(tag)), `the loans of ${BORROWER.name} should list ${tag}`);
    await expectNoAxeViolations(page, `the page of ${BORROWER.name}`);
  });

  await step(13, 'no request was answered with a 5xx and no page script failed', expectNoServerOrScriptErrors, { needs: [] });
});
