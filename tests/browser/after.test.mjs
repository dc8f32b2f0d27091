// The journey after a loan, driven through headless Chromium against the real lendhub binary:
// staff give a lent laptop to its borrower to keep from the loan's page and print the gift
// letter; a trainer's booking keeps tablets from the counter; four weeks on (`lendhub reminders
// run --now`) the borrower, who is not confident online, opens the emailed questionnaire on a
// phone and answers it with the keyboard alone, first sending it empty and reading what is
// wrong. Every page is checked with axe.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

import {
  ARTIFACTS_DIR,
  HUB,
  LENDHUB_BIN,
  addHub,
  button,
  expectH1,
  expectInMain,
  expectNoAxeViolations,
  expectSummaryLink,
  field,
  link,
  saveArtifacts,
  setUp,
  startRun,
} from './harness.mjs';

const PERSON = { name: 'Winifred Okafor', email: 'winifred@example.org' };

/** Presses Tab until the element with `id` has focus, as a keyboard user would. */
async function tabTo(page, id, max = 60) {
  for (let i = 0; i < max; i += 1) {
    await page.keyboard.press('Tab');
    if (await page.evaluate(() => document.activeElement?.id) === id) return;
  }
  assert.fail(`Tab never reached #${id} on ${page.url()}`);
}

test('after a loan: a gift and its letter, a booking, and the questionnaire by keyboard on a phone', { timeout: 300_000 }, async (t) => {
  const { server, newPage, step, expectNoServerOrScriptErrors } = await startRun(t, { artifactPrefix: 'after-' });
  const page = await newPage();
  let loanId = null;
  let questionnaire = null;
  const api = async (method, path, data) => {
    const response = await page.request.fetch(`${server.baseUrl}/api/v1${path}`, { method, data });
    assert.ok(response.ok(), `${method} ${path} answered ${response.status()}: ${await response.text()}`);
    return response.json();
  };

  await step(1, 'sets up and lends a laptop to someone who agreed to be asked how it went', async () => {
    await setUp(page, server);
    await page.goto(`${server.baseUrl}/hubs`);
    await addHub(page);
    const hub = (await api('GET', '/hubs')).items[0];
    const laptop = await api('POST', '/devices', { kind: 'laptop', make: 'Dell', model: 'Latitude 5490', hub_id: hub.id });
    const borrower = await api('POST', '/borrowers', { ...PERSON, consent: { loan: true, follow_up: true } });
    const due = new Date(Date.now() + 28 * 86_400_000).toISOString().slice(0, 10);
    loanId = (await api('POST', '/loans', { asset_tag: laptop.asset_tag, borrower_id: borrower.id, due_on: due })).id;
    for (const model of ['Tab M10', 'Tab M10']) {
      await api('POST', '/devices', { kind: 'tablet', make: 'Lenovo', model, hub_id: hub.id });
    }
  });

  await step(2, 'gives the laptop to keep from the loan page, and prints the gift letter', async () => {
    await page.goto(`${server.baseUrl}/loans/${loanId}`);
    await (await link(page, 'Give it to them to keep')).click();
    await expectH1(page, `Give it to ${PERSON.name} to keep`);
    await expectInMain(page, 'This cannot be undone.');
    await expectNoAxeViolations(page, 'the gift form');
    await (await field(page, 'Why it is given (optional)', { tag: 'textarea' })).fill('Finished the course; no computer at home');
    await (await button(page, 'Give it to them')).click();
    await expectInMain(page, `is now ${PERSON.name}'s to keep`);
    await expectInMain(page, 'Print the gift letter and hand it over.');
    await expectNoAxeViolations(page, 'the gift page');
    const letter = await page.request.get(`${server.baseUrl}${await (await link(page, 'Print the gift letter')).getAttribute('href')}`);
    assert.equal(letter.status(), 200);
    assert.equal(letter.headers()['content-type'], 'application/pdf');
    await mkdir(ARTIFACTS_DIR, { recursive: true });
    await writeFile(path.join(ARTIFACTS_DIR, 'gift-letter.pdf'), await letter.body());
    await page.setViewportSize({ width: 360, height: 740 });
    await expectNoAxeViolations(page, 'the gift page on a phone');
    await saveArtifacts(page, 'phone-gift');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  await step(3, 'books both tablets for a session; the list shows the booking', async () => {
    await page.goto(`${server.baseUrl}/training`);
    await (await link(page, 'Devices booked for sessions')).click();
    await expectH1(page, 'Booked devices');
    await expectInMain(page, 'Nothing is booked.');
    await (await link(page, 'Book devices')).click();
    await expectH1(page, 'Book devices');
    await (await button(page, 'Book them')).click();
    await expectSummaryLink(page, /which devices/i, 'asking which devices');
    await expectNoAxeViolations(page, 'the booking form refused');
    await page.getByLabel('Tablet', { exact: true }).check();
    await (await field(page, 'How many?', { tag: 'input' })).fill('3');
    await (await field(page, 'At which hub?', { tag: 'select' })).selectOption({ label: HUB.name });
    const local = (hours) => {
      const at = new Date(Date.now() + hours * 3_600_000);
      return at.toISOString().slice(0, 16);
    };
    await (await field(page, 'From', { tag: 'input' })).fill(local(48));
    await (await field(page, 'Until', { tag: 'input' })).fill(local(50));
    await (await button(page, 'Book them')).click();
    await expectInMain(page, 'has 2 tablets on the shelf');
    await (await field(page, 'How many?', { tag: 'input' })).fill('2');
    await (await button(page, 'Book them')).click();
    await expectH1(page, 'Booked devices');
    await expectInMain(page, '2 tablets booked from');
    await expectNoAxeViolations(page, 'the list of bookings');
  });

  await step(4, 'four weeks on, the questionnaire is emailed', async () => {
    const later = new Date(Date.now() + 29 * 86_400_000).toISOString();
    const out = execFileSync(LENDHUB_BIN, ['reminders', 'run', '--now', later], {
      cwd: server.dataDir,
      env: {
        ...process.env,
        LENDHUB_DATABASE_URL: `sqlite://${server.dataDir}/lendhub.db?mode=rwc`,
        LENDHUB_PUBLIC_URL: server.baseUrl,
        RUST_LOG: 'warn',
      },
      encoding: 'utf8',
    });
    assert.match(out, /asked 1 how it went by email/, `lendhub reminders run printed: ${out}`);
    // The email waits in the outbox (no mail server here): its words hold the link.
    const body = execFileSync('sqlite3', [`${server.dataDir}/lendhub.db`, "SELECT body_text FROM reminders WHERE kind = 'follow_up'"], { encoding: 'utf8' });
    questionnaire = body.split(/\s+/).find((word) => word.includes('/f/'));
    assert.ok(questionnaire, `no link in: ${body}`);
  });

  await step(5, 'she answers on a phone with the keyboard alone, after sending it empty', async () => {
    const phone = await newPage();
    await phone.setViewportSize({ width: 360, height: 740 });
    await phone.goto(questionnaire);
    await expectH1(phone, 'How has your laptop helped you?');
    await expectNoAxeViolations(phone, 'the questionnaire on a phone');
    await saveArtifacts(phone, 'phone-questionnaire');
    const main = await phone.locator('main').innerText();
    assert.ok(!main.includes(PERSON.name), 'the page names nobody');
    await tabTo(phone, 'confidence_before-1');
    await phone.keyboard.press('Tab');
    await phone.keyboard.press('Enter');
    await expectSummaryLink(phone, /whether you still use it/i, 'asking whether she still uses it');
    await expectNoAxeViolations(phone, 'the questionnaire refused');
    await tabTo(phone, 'still_using-1');
    await phone.keyboard.press('Space');
    await tabTo(phone, 'how_often-1');
    await phone.keyboard.press('ArrowDown');
    await tabTo(phone, 'helped_with-1');
    await phone.keyboard.press('Space');
    await tabTo(phone, 'helped_with-3');
    await phone.keyboard.press('Space');
    await tabTo(phone, 'confidence-1');
    await phone.keyboard.press('ArrowDown');
    await phone.keyboard.press('ArrowDown');
    await phone.keyboard.press('ArrowDown');
    await tabTo(phone, 'confidence_before-1');
    await phone.keyboard.press('ArrowDown');
    await phone.keyboard.press('Tab');
    await phone.keyboard.press('Enter');
    await expectH1(phone, 'Thank you');
    await expectNoAxeViolations(phone, 'the thank-you page on a phone');
    await saveArtifacts(phone, 'phone-questionnaire-thanks');
  });

  await step(6, 'staff see what she said', async () => {
    const seen = await api('GET', '/follow-ups?status=answered');
    assert.equal(seen.total, 1);
    const answer = seen.items[0];
    assert.equal(answer.still_using, true);
    assert.equal(answer.how_often, 'most_days');
    assert.deepEqual(answer.helped_with, ['family_and_friends', 'money_and_benefits']);
    assert.deepEqual([answer.confidence, answer.confidence_before], [4, 2]);
    await page.goto(`${server.baseUrl}/borrowers`);
    await (await link(page, 'follow-ups')).click();
    await expectH1(page, 'Follow-ups');
    await expectInMain(page, 'Still using it, most days, confidence 4 of 5');
    await expectNoAxeViolations(page, 'the follow-ups list');
  });

  await step(7, 'no request was answered with a 5xx and no page script failed', expectNoServerOrScriptErrors, { needs: [] });
});
