// A person's data, driven through headless Chromium against the real lendhub binary: an admin
// gives and withdraws a consent on a borrower's page, downloads everything held about them (the
// ZIP is opened and read), holds the record back from retention and finds it on the list of
// records due, lifts the hold, is refused erasing it while a device is out (and without a
// reason), takes the device back and erases it: the page then shows a former borrower. Every page
// is checked with axe; on a phone-sized screen too.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import {
  addHub,
  button,
  choice,
  expectH1,
  expectInMain,
  expectNoAxeViolations,
  expectNotInMain,
  expectSummaryLink,
  field,
  group,
  link,
  setUp,
  startRun,
} from './harness.mjs';

const PERSON = { name: 'Edith Okafor', email: 'edith@example.org', phone: '07700 900321' };

/// The files of a ZIP and the text of one, read with Python's zipfile (no unzip needed).
function readZip(file, member) {
  const script = 'import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\nprint("\\n".join(z.namelist()))\nprint("----")\nprint(z.read(sys.argv[2]).decode("utf-8"))';
  const [names, text] = execFileSync('python3', ['-c', script, file, member], { encoding: 'utf8' }).split('\n----\n');
  return { names: names.split('\n'), text };
}

test('a person\'s data: consent, the download, holds and erasure', { timeout: 300_000 }, async (t) => {
  const { server, newPage, step, expectNoServerOrScriptErrors } = await startRun(t, { artifactPrefix: 'privacy-' });
  const page = await newPage();
  let borrowerUrl = null;
  let loanId = null;

  await step(1, 'sets up and lends a laptop to a borrower', async () => {
    await setUp(page, server);
    await page.goto(`${server.baseUrl}/hubs`);
    await addHub(page);
    const api = async (method, apiPath, data) => {
      const response = await page.request.fetch(`${server.baseUrl}/api/v1${apiPath}`, { method, data });
      assert.ok(response.ok(), `${method} ${apiPath} answered ${response.status()}: ${await response.text()}`);
      return response.json();
    };
    const hub = (await api('GET', '/hubs')).items[0];
    const device = await api('POST', '/devices', { kind: 'laptop', make: 'Dell', model: 'Latitude 5490', hub_id: hub.id });
    const borrower = await api('POST', '/borrowers', { ...PERSON, consent: { loan: true } });
    const due = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    loanId = (await api('POST', '/loans', { asset_tag: device.asset_tag, borrower_id: borrower.id, due_on: due })).id;
    borrowerUrl = `${server.baseUrl}/borrowers/${borrower.id}`;
  });

  await step(2, 'gives a consent on the borrower page, recorded with how they said so', async () => {
    await page.goto(borrowerUrl);
    await expectH1(page, PERSON.name);
    const consent = await group(page, `What ${PERSON.name} agrees to`);
    const followUp = await choice(page, consent, 'checkbox', 'Being asked later how it went', 'under the consent form');
    assert.equal(await followUp.isChecked(), false, 'follow-up is given only when asked');
    await followUp.check();
    const how = await group(page, 'How did they tell you?');
    await (await choice(page, how, 'radio', 'In person', 'under "How did they tell you?"')).check();
    await expectNoAxeViolations(page, 'the borrower page with its consent form');
    await (await button(page, `Save consent of ${PERSON.name}`)).click();
    await expectInMain(page, 'Their consent is saved.');
    await expectInMain(page, 'Being asked later how it went');
    await expectInMain(page, 'In person');
    await expectNoAxeViolations(page, 'the borrower page after saving consent');
  });

  await step(3, 'downloads everything held about them: a ZIP with their record and a README', async () => {
    const download = await link(page, `Download everything we hold about ${PERSON.name}`);
    const [file] = await Promise.all([page.waitForEvent('download'), download.click()]);
    assert.match(file.suggestedFilename(), /^lendhub-borrower-\d+-\d{4}-\d{2}-\d{2}\.zip$/, 'the file is named by id and date, not by name');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'lendhub-export-'));
    try {
      const saved = path.join(dir, 'export.zip');
      await file.saveAs(saved);
      const { names, text } = readZip(saved, 'person.json');
      assert.deepEqual(names.slice(0, 2), ['README.txt', 'person.json']);
      const person = JSON.parse(text);
      assert.equal(person.record.name, PERSON.name);
      assert.equal(person.consents.current.follow_up, true);
      assert.equal(person.loans[0].id, loanId);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  await step(4, 'holds the record, finds it on the list of records due, and lifts the hold', async () => {
    await page.goto(borrowerUrl);
    await (await link(page, `Hold the record of ${PERSON.name}`)).click();
    await expectH1(page, `Hold ${PERSON.name}'s record`);
    await (await button(page, 'Hold the record')).click();
    await expectSummaryLink(page, /enter the reason/i, 'asking why it is held');
    await expectNoAxeViolations(page, 'the hold form refused without a reason');
    await (await field(page, 'Why is it held?', { tag: 'textarea' })).fill('A complaint is open');
    await (await button(page, 'Hold the record')).click();
    await expectInMain(page, 'The record is held');
    await expectInMain(page, 'A complaint is open');
    await expectNoAxeViolations(page, 'the borrower page with a held record');
    await page.goto(`${server.baseUrl}/borrowers`);
    await (await link(page, 'Records due for anonymising')).click();
    await expectH1(page, 'Records due for anonymising');
    await expectInMain(page, 'No record is due within 30 days.');
    await expectNoAxeViolations(page, 'the list of records due for anonymising');
    await page.goto(borrowerUrl);
    await (await button(page, `Lift the hold on the record of ${PERSON.name}`)).click();
    await expectInMain(page, 'The hold is lifted');
  });

  await step(5, 'erasing is refused without a reason and while the laptop is out; after its return the record is a former borrower\'s', async () => {
    await (await link(page, `Erase the record of ${PERSON.name}`)).click();
    await expectH1(page, `Erase ${PERSON.name}'s record`);
    await expectInMain(page, 'This cannot be undone.');
    await expectNoAxeViolations(page, 'the erase form');
    await (await button(page, 'Erase the record')).click();
    await expectSummaryLink(page, /enter the reason/i, 'asking why it is erased');
    await (await field(page, 'Why is it being erased?', { tag: 'textarea' })).fill('Asked in person');
    await (await button(page, 'Erase the record')).click();
    await expectSummaryLink(page, /take it back before erasing/i, 'saying the laptop is still out');
    await expectNoAxeViolations(page, 'the erase form refused while a device is out');

    const back = await page.request.post(`${server.baseUrl}/api/v1/loans/${loanId}/return`, { data: { condition: 'good' } });
    assert.ok(back.ok(), `the return answered ${back.status()}`);
    await (await field(page, 'Why is it being erased?', { tag: 'textarea' })).fill('Asked in person');
    await (await button(page, 'Erase the record')).click();
    await expectInMain(page, 'The record is erased: it is now Former borrower');
    await expectH1(page, /^Former borrower \d+$/);
    await expectInMain(page, 'This record was anonymised on');
    await expectNotInMain(page, PERSON.email);
    await expectNotInMain(page, PERSON.phone);
    await expectNoAxeViolations(page, 'the page of an erased record');
    await page.setViewportSize({ width: 360, height: 740 });
    await expectNoAxeViolations(page, 'the page of an erased record on a phone');
  });

  await step(6, 'no request was answered with a 5xx and no page script failed', expectNoServerOrScriptErrors, { needs: [] });
});
