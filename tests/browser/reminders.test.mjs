// Reminders for borrowers without email, driven through headless Chromium against the real
// lendhub binary: set up, lend a laptop (through the API, signed in) to a borrower with only a
// phone and another with only a postal address, run `lendhub reminders run` as a scheduler would,
// then work through the call list (refused without an outcome, then saved), the letters page and
// the outbox; then withdraw the caller's consent to calls on her page, and find her on the list
// of people we cannot remind. Every page visited is checked with axe.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';

import {
  LENDHUB_BIN,
  addHub,
  button,
  choice,
  expectH1,
  expectInMain,
  expectNoAxeViolations,
  expectSummaryLink,
  group,
  link,
  setUp,
  startRun,
} from './harness.mjs';

const CALLER = { name: 'Mary O’Brien', phone: '07700 900456' };
const WRITER = { name: 'John Smith', address: '2 Canal Street, London' };

test('reminders: the call list, letters and the outbox', { timeout: 300_000 }, async (t) => {
  const { server, newPage, step, expectNoServerOrScriptErrors } = await startRun(t, { artifactPrefix: 'reminders-' });
  const page = await newPage();

  await step(1, 'sets up and lends two laptops due tomorrow', async () => {
    await setUp(page, server);
    await page.goto(`${server.baseUrl}/hubs`);
    await addHub(page);
    const api = async (method, path, data) => {
      const response = await page.request.fetch(`${server.baseUrl}/api/v1${path}`, { method, data });
      assert.ok(response.ok(), `${method} ${path} answered ${response.status()}: ${await response.text()}`);
      return response.json();
    };
    const hub = (await api('GET', '/hubs')).items[0];
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    for (const person of [CALLER, WRITER]) {
      const device = await api('POST', '/devices', { kind: 'laptop', make: 'Dell', model: 'Latitude 5490', hub_id: hub.id });
      const borrower = await api('POST', '/borrowers', { ...person, consent: { data_processing: true } });
      await api('POST', '/loans', { asset_tag: device.asset_tag, borrower_id: borrower.id, due_on: tomorrow });
    }
    const out = execFileSync(LENDHUB_BIN, ['reminders', 'run'], {
      cwd: server.dataDir,
      env: { ...process.env, LENDHUB_DATABASE_URL: `sqlite://${server.dataDir}/lendhub.db?mode=rwc`, RUST_LOG: 'warn' },
      encoding: 'utf8',
    });
    assert.match(out, /scheduled 2 reminders/, `lendhub reminders run printed: ${out}`);
  });

  await step(2, 'the call list shows who to phone, why and their number', async () => {
    await page.goto(`${server.baseUrl}/devices`);
    await (await link(page, 'Calls', page.getByRole('navigation', { name: 'Main' }))).click();
    await expectH1(page, 'Calls to make');
    await expectInMain(page, CALLER.name);
    await expectInMain(page, CALLER.phone);
    await expectInMain(page, 'Due back tomorrow');
    await expectNoAxeViolations(page, 'the call list');
  });

  await step(3, 'records the call: refused without an outcome, then saved and gone from the list', async () => {
    await (await button(page, `Save the call to ${CALLER.name}`)).click();
    await expectSummaryLink(page, /choose what happened/i, 'asking what happened on the call');
    await expectNoAxeViolations(page, 'the call list refused without an outcome');
    const outcome = await group(page, `How did the call to ${CALLER.name} go?`);
    await (await choice(page, outcome, 'radio', 'Left a message', `under "How did the call to ${CALLER.name} go?"`)).check();
    await (await button(page, `Save the call to ${CALLER.name}`)).click();
    await expectInMain(page, `Saved the call to ${CALLER.name}`);
    await expectInMain(page, 'There are no calls to make');
    await expectNoAxeViolations(page, 'the call list after saving a call');
  });

  await step(4, 'the letters page lists the borrower reached only by post', async () => {
    await (await link(page, 'Reminder letters to post')).click();
    await expectH1(page, 'Reminder letters');
    await expectInMain(page, WRITER.name);
    const download = await link(page, 'Download the letters (PDF)');
    await expectNoAxeViolations(page, 'the letters page');
    await expectInMain(page, 'Download the letters and print them');
    await Promise.all([page.waitForEvent('download'), download.click()]);
    await page.reload();
    await (await button(page, 'Mark the printed letter as posted')).click();
    await expectH1(page, 'Mark 1 letter as posted?');
    await expectNoAxeViolations(page, 'the confirmation before marking letters posted');
    await (await button(page, 'Yes, they are posted')).click();
    await expectInMain(page, '1 letter marked as posted.');
    await expectNoAxeViolations(page, 'the letters page after posting');
  });

  await step(5, 'the outbox shows the call and the letter done', async () => {
    await (await link(page, 'Outbox', page.getByRole('navigation', { name: 'Main' }))).click();
    await expectH1(page, 'Outbox');
    await expectInMain(page, 'Left a message');
    await expectNoAxeViolations(page, 'the outbox');
  });

  await step(6, 'withdrawing the only way to reach someone puts them on the list of people we cannot remind', async () => {
    await page.goto(`${server.baseUrl}/borrowers`);
    await (await link(page, CALLER.name)).click();
    await expectH1(page, CALLER.name);
    const consent = await group(page, `What ${CALLER.name} agrees to`);
    const calls = await choice(page, consent, 'checkbox', 'Reminders by phone call or text', 'under the consent form');
    assert.ok(await calls.isChecked(), 'someone who gave a phone number agreed to calls');
    await calls.uncheck();
    const how = await group(page, 'How did they tell you?');
    await (await choice(page, how, 'radio', 'By phone', 'under "How did they tell you?"')).check();
    await (await button(page, `Save consent of ${CALLER.name}`)).click();
    await expectInMain(page, 'Their consent is saved.');
    await expectInMain(page, 'Withdrawn');
    await expectInMain(page, 'None: they have not agreed to be reminded');
    await expectNoAxeViolations(page, 'the borrower page after withdrawing a consent');
    await (await link(page, 'Calls', page.getByRole('navigation', { name: 'Main' }))).click();
    await (await link(page, 'People we cannot remind')).click();
    await expectH1(page, 'People we cannot remind');
    await expectInMain(page, CALLER.name);
    await expectInMain(page, '1 person, the soonest due first.');
    await expectNoAxeViolations(page, 'the list of people we cannot remind');
  });

  await step(7, 'no request was answered with a 5xx and no page script failed', expectNoServerOrScriptErrors, { needs: [] });
});
