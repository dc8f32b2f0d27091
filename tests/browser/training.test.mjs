// The trainer's register, driven through headless Chromium against the real lendhub binary: a
// coordinator sets up and adds a course and three learners; a trainer account is made with
// `lendhub user create`; the trainer signs in, adds today's session for themselves, enrols the
// three, opens the session from "Today", marks each learner with one tap (present, late,
// absent), reloads and finds the marks kept; then records a learner's confidence, enrols a
// walk-in and adds a device used by its scanned label. Every page visited is checked with axe.

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
  field,
  group,
  link,
  mainOf,
  setUp,
  signIn,
  startRun,
} from './harness.mjs';

const TRAINER = { name: 'Tess Trainer', email: 'tess@example.org', password: 'a long trainer password' };
const COURSE = 'Getting started online';
const LEARNERS = [
  { name: 'Ada Lovelace', mark: 'Present' },
  { name: 'Siân Evans', mark: 'Late' },
  { name: 'Łukasz Kowalski', mark: 'Absent' },
];

/** The text of a learner's entry in the register. */
async function learnerText(page, name) {
  const entry = (await mainOf(page)).locator('li.register__learner', { has: page.getByRole('heading', { name, exact: true }) });
  assert.equal(await entry.count(), 1, `the register should have one entry for ${name}`);
  return entry.innerText();
}

test('the register: a trainer marks three learners and the marks are kept', { timeout: 300_000 }, async (t) => {
  const { server, newPage, step, expectNoServerOrScriptErrors } = await startRun(t, { artifactPrefix: 'training-' });
  const admin = await newPage();
  const trainer = await newPage();
  let sessionUrl = null;

  await step(1, 'a coordinator sets up, adds a hub, a course and three learners; a trainer account is made', async () => {
    await setUp(admin, server);
    await admin.goto(`${server.baseUrl}/hubs`);
    await addHub(admin);
    await admin.goto(`${server.baseUrl}/training/courses/new`);
    await expectH1(admin, 'Add a course');
    await expectNoAxeViolations(admin, 'the add-course form');
    await (await field(admin, 'Title', { tag: 'input' })).fill(COURSE);
    const areas = await group(admin, 'Which Essential Digital Skills does it cover? (optional)');
    await (await choice(admin, areas, 'checkbox', 'Communicating', 'under the skills areas')).check();
    await (await button(admin, 'Add the course')).click();
    await expectH1(admin, 'Add a session');
    for (const learner of LEARNERS) {
      const response = await admin.request.post(`${server.baseUrl}/api/v1/borrowers`, {
        data: { name: learner.name, phone: '07700 900123', consent: { data_processing: true } },
      });
      assert.equal(response.status(), 201, await response.text());
    }
    execFileSync(LENDHUB_BIN, ['user', 'create', '--email', TRAINER.email, '--name', TRAINER.name, '--role', 'trainer'], {
      cwd: server.dataDir,
      env: {
        ...process.env,
        LENDHUB_DATABASE_URL: `sqlite://${server.dataDir}/lendhub.db?mode=rwc`,
        LENDHUB_PASSWORD: TRAINER.password,
        RUST_LOG: 'warn',
      },
    });
  });

  await step(2, 'the trainer signs in and adds today’s session for themselves', async () => {
    await trainer.goto(`${server.baseUrl}/login`);
    await signIn(trainer, TRAINER);
    await trainer.goto(`${server.baseUrl}/training/sessions/new`);
    await expectH1(trainer, 'Add a session');
    await expectNoAxeViolations(trainer, 'the add-session form');
    await (await field(trainer, 'Course', { tag: 'select' })).selectOption({ label: COURSE });
    await (await field(trainer, 'Where', { tag: 'select' })).selectOption({ index: 1 });
    // In an hour, or at 23:59 if that would be tomorrow: either way, today in London.
    const now = new Date();
    const london = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/London', dateStyle: 'short', timeStyle: 'short' });
    const later = london.format(new Date(now.getTime() + 3_600_000));
    const today = london.format(now).slice(0, 10);
    const start = later.startsWith(today) ? later.replace(' ', 'T') : `${today}T23:59`;
    await (await field(trainer, 'Date and start time', { tag: 'input' })).fill(start);
    const length = await group(trainer, 'How long');
    await (await choice(trainer, length, 'radio', '90 minutes', 'under "How long"')).check();
    await (await button(trainer, 'Add the session')).click();
    await expectH1(trainer, COURSE);
    sessionUrl = trainer.url();
    for (const learner of LEARNERS) {
      const response = await trainer.request.post(`${sessionUrl.replace('/training/', '/api/v1/training/')}/enrolments`, {
        data: { borrower_id: await borrowerId(admin, server, learner.name) },
      });
      assert.equal(response.status(), 201, await response.text());
    }
  });

  await step(3, 'today’s session comes first on the training page and opens the register', async () => {
    await trainer.goto(`${server.baseUrl}/devices`);
    await (await link(trainer, 'Training', trainer.getByRole('navigation', { name: 'Main' }))).click();
    await expectH1(trainer, 'Training sessions');
    const today = (await mainOf(trainer)).locator('h2', { hasText: 'Today' });
    assert.equal(await today.count(), 1, 'the training page should have a "Today" heading');
    await expectNoAxeViolations(trainer, 'the training page');
    await (await mainOf(trainer)).locator('.task a').filter({ hasText: COURSE }).first().click();
    await expectH1(trainer, COURSE);
    for (const learner of LEARNERS) await expectInMain(trainer, learner.name);
    await expectNoAxeViolations(trainer, 'the register');
  });

  await step(4, 'one tap per learner; after a reload the marks are there', async () => {
    // A mark on the window: a page load would wipe it. The taps save without one.
    await trainer.evaluate(() => { window.stillHere = true; });
    for (const learner of LEARNERS) {
      await (await button(trainer, `${learner.mark}: ${learner.name}`)).click();
      await waitForText(trainer, learner.name, `Marked: ${learner.mark}`);
    }
    assert.equal(await trainer.evaluate(() => window.stillHere), true, 'the taps should save without reloading the page');
    await trainer.reload();
    await expectH1(trainer, COURSE);
    for (const learner of LEARNERS) {
      assert.match(await learnerText(trainer, learner.name), new RegExp(`Marked: ${learner.mark}`), `${learner.name} after a reload`);
      const pressed = trainer.getByRole('button', { name: `${learner.mark}: ${learner.name}`, exact: true });
      assert.equal(await pressed.getAttribute('aria-pressed'), 'true', `"${learner.mark}" should be pressed for ${learner.name}`);
    }
    await expectNoAxeViolations(trainer, 'the register with three marks');
  });

  await step(5, 'records a learner’s confidence, enrols a walk-in and adds a device used', async () => {
    await (await link(trainer, `Record confidence scores for ${LEARNERS[0].name}`)).click();
    await expectH1(trainer, `How confident is ${LEARNERS[0].name}?`);
    await expectNoAxeViolations(trainer, 'the confidence form');
    const safe = await group(trainer, 'Being safe and legal online');
    await (await choice(trainer, safe, 'radio', '2', 'under "Being safe and legal online"')).check();
    await (await button(trainer, 'Save the scores')).click();
    await expectH1(trainer, COURSE);
    assert.match(await learnerText(trainer, LEARNERS[0].name), /Being safe and legal online 2/);

    await (await field(trainer, 'Full name', { tag: 'input' })).fill('Walk In');
    await (await field(trainer, 'Phone number (or an email address)', { tag: 'input' })).fill('07700 900999');
    await (await field(trainer, 'They agree that we keep and use these details to run their training', { tag: 'input' })).check();
    await (await button(trainer, 'Enrol the walk-in')).click();
    await expectInMain(trainer, 'Walk In is enrolled');
    await expectNoAxeViolations(trainer, 'the register after a walk-in');

    // A tablet handed out in the session: its scanned label types the device's address.
    const hubs = await (await admin.request.get(`${server.baseUrl}/api/v1/hubs`)).json();
    const created = await admin.request.post(`${server.baseUrl}/api/v1/devices`, {
      data: { kind: 'tablet', make: 'Samsung', model: 'Galaxy Tab A8', hub_id: hubs.items[0].id },
    });
    const tablet = (await created.json()).asset_tag;
    await (await field(trainer, 'Add devices used (asset tags, or scan their labels)', { tag: 'input' })).fill(`${server.baseUrl}/d/${tablet}`);
    await (await button(trainer, 'Add the devices')).click();
    await link(trainer, tablet);
    await expectNoAxeViolations(trainer, 'the register with a device used');
  });

  await step(6, 'no request was answered with a 5xx and no page script failed', expectNoServerOrScriptErrors, { needs: [] });
});

/** Waits until a learner's entry says `text` (the tap is saved without a page load). */
async function waitForText(page, name, text) {
  const deadline = Date.now() + 15_000;
  let seen = '';
  while (Date.now() < deadline) {
    seen = await learnerText(page, name);
    if (seen.includes(text)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail(`${name}'s entry should say "${text}"; it says:\n${seen}`);
}

async function borrowerId(page, server, name) {
  const response = await page.request.get(`${server.baseUrl}/api/v1/borrowers?q=${encodeURIComponent(name.slice(0, 5))}`);
  const found = (await response.json()).items.find((b) => b.name === name);
  assert.ok(found, `no borrower called ${name}`);
  return found.id;
}
