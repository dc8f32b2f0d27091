// A scheme's whole first day, in one run, the way the people who run it would live it: the admin
// sets lendhub up and fills in the organisation's settings, adds two hubs, imports the device
// spreadsheet and invites a hub worker for Poplar, who signs in on her own phone. A laptop is lent
// at Whitechapel and the agreement signed there and then; it comes back at Poplar without its
// charger, and the checks there carry the missing charger through to the device's list and
// history. A trainer's register from last week is found with "Earlier sessions" and corrected. A
// stocktake is counted on a phone with the scan result in view, and the funder report counts the
// day. Screenshots at 360 px of the dashboard, the device page, the loan after lending and the
// stocktake scan are written under ARTIFACTS_DIR.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';

import {
  ARTIFACTS_DIR,
  HUB,
  addHub,
  button,
  choice,
  deviceHistoryText,
  escapeRegExp,
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
  tagHeading,
} from './harness.mjs';

const PHONE = { width: 360, height: 740 };
const POPLAR = { name: 'Poplar Library', address: '45 East India Dock Road, London E14 0EH' };
const NINA = { name: 'Nina Okafor', email: 'nina@example.org', password: 'a password nina chose' };
const ORG_PHONE = '020 7946 0000';
const BORROWER = 'Dorothy Hughes';
const CSV = [
  'Asset Tag,Category,Manufacturer,Model Name,Serial Number,Location,Accessories',
  ',Laptop,Lenovo,ThinkPad E14,LN-E14-001,Whitechapel Community Hub,charger; sleeve',
  ',Laptop,Lenovo,ThinkPad E14,LN-E14-002,Whitechapel Community Hub,charger; sleeve',
  ',Tablet,Samsung,Galaxy Tab A8,SM-A8-001,Poplar Library,charger',
].join('\n');

test('a whole day of a scheme, from set-up to the funder report', { timeout: 600_000 }, async (t) => {
  const { server, newPage, step, expectNoServerOrScriptErrors } = await startRun(t, { artifactPrefix: 'day-' });
  const admin = await newPage();
  const nina = await newPage();
  const shot = (page, name) => page.screenshot({ path: path.join(ARTIFACTS_DIR, `phone-${name}.png`), fullPage: false });
  let tag = null;

  await step(1, 'the admin sets up and fills in the organisation\u2019s settings: phone, email and address', async () => {
    await setUp(admin, server);
    await admin.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings', exact: true }).click();
    await expectH1(admin, 'Organisation settings');
    await (await field(admin, 'Phone number', { tag: 'input' })).fill(ORG_PHONE);
    await (await field(admin, 'Email address', { tag: 'input' })).fill('hello@example.org');
    await (await field(admin, 'Postal address', { tag: 'textarea' })).fill('1 High Street, London E1 1AA');
    await (await button(admin, 'Save the settings')).click();
    await expectInMain(admin, "The organisation's details are saved.");
    await expectNoAxeViolations(admin, 'the settings page after saving');
    await admin.goto(`${server.baseUrl}/hubs`);
    await addHub(admin, HUB);
    await addHub(admin, POPLAR);
  });

  await step(2, 'imports the device spreadsheet: checked, then imported; a found laptop\u2019s label page gives the phone number', async () => {
    await admin.goto(`${server.baseUrl}/imports`);
    await expectH1(admin, 'Import a spreadsheet');
    await (await choice(admin, await group(admin, 'What is in the file?'), 'radio', 'Devices', 'under "What is in the file?"')).check();
    await (await field(admin, 'CSV file', { tag: 'input' })).setInputFiles({ name: 'devices.csv', mimeType: 'text/csv', buffer: Buffer.from(CSV) });
    await (await button(admin, 'Upload and read the columns')).click();
    await expectH1(admin, 'Import devices from devices.csv');
    await (await button(admin, 'Check the file')).click();
    // The page shows its progress and reloads itself until the work is done, as a person waits.
    await (await mainOf(admin)).getByText('All 3 rows are ready to import').waitFor({ timeout: 30_000 });
    await expectNoAxeViolations(admin, 'the import page, checked');
    await (await button(admin, 'Import')).click();
    await (await mainOf(admin)).getByText('3 devices imported').waitFor({ timeout: 30_000 });
    await (await link(admin, 'See the devices')).click();
    await expectH1(admin, 'Devices');
    const row = (await mainOf(admin)).getByRole('row').filter({ hasText: 'LN-E14-001' });
    const found = (await row.count()) === 1 ? await row.innerText() : await (await mainOf(admin)).innerText();
    tag = found.match(/TCH-\d{5}/)?.[0];
    assert.ok(tag, `the devices list should show the imported laptop LN-E14-001 with its tag:\n${found}`);

    // Whoever finds the laptop and scans its label is given the number set in the settings.
    const stranger = await newPage();
    await stranger.goto(`${server.baseUrl}/d/${tag}`);
    await expectInMain(stranger, ORG_PHONE, 'the organisation\u2019s phone number');
    await stranger.context().close();
  });

  await step(3, 'invites Nina as hub staff at Poplar; she chooses a password on her phone and signs in', async () => {
    await admin.goto(`${server.baseUrl}/staff/new`);
    await (await field(admin, 'Full name')).fill(NINA.name);
    await (await field(admin, 'Email address')).fill(NINA.email);
    await (await choice(admin, await group(admin, 'Role'), 'radio', /^Hub staff/, 'under Role')).check();
    await (await choice(admin, await group(admin, 'Hubs they work at'), 'checkbox', POPLAR.name, 'under the hubs')).check();
    await (await button(admin, 'Invite')).click();
    await expectH1(admin, 'Invitation ready');
    // No mail server is set: the page says so rather than claiming the email went.
    await expectInMain(admin, /not emailed|no mail server|could not be emailed|hand it to/i, 'that the link was not emailed');
    const invitation = await (await field(admin, `Link for ${NINA.name}`, { tag: 'input' })).inputValue();

    await nina.setViewportSize(PHONE);
    await nina.goto(invitation);
    await (await field(nina, 'Password')).fill(NINA.password);
    await (await field(nina, 'Type the password again')).fill(NINA.password);
    await (await button(nina, 'Save password')).click();
    await signIn(nina, NINA);
    await nina.waitForURL((url) => !url.pathname.startsWith('/login'));
    await expectH1(nina, 'Dashboard');
    // At the counter the first thing she needs is the device in her hand: the search is on the first screen.
    const find = await (await field(nina, 'Find a device', { tag: 'input' })).boundingBox();
    assert.ok(find && find.y + find.height <= PHONE.height, `"Find a device" should be on the first screen of the dashboard (at ${Math.round(find?.y)} px)`);
    await expectInMain(nina, `Figures for ${POPLAR.name}.`);
    await expectNoAxeViolations(nina, 'Nina\u2019s dashboard on a phone');
    await shot(nina, 'dashboard');
  });

  await step(4, 'lends the laptop at Whitechapel: lending leads straight to the agreement, signed there and then', async () => {
    await admin.setViewportSize(PHONE);
    await admin.goto(`${server.baseUrl}/d/${tag}`);
    await expectH1(admin, tagHeading(tag));
    await shot(admin, 'device-page');
    await (await link(admin, 'Lend it out')).click();
    await (await link(admin, 'Add a new borrower')).click();
    await (await field(admin, 'Full name', { tag: 'input' })).fill(BORROWER);
    await (await field(admin, 'Phone number (optional)', { tag: 'input' })).fill('07700 900456');
    await (await field(admin, 'They agree that we keep and use these details', { tag: 'input' })).check();
    await (await button(admin, 'Add the borrower')).click();
    await expectH1(admin, `Lend to ${BORROWER}`);
    await (await button(admin, 'Continue')).click();
    await (await button(admin, 'Lend the device')).click();

    await expectH1(admin, 'Loan agreement');
    await expectInMain(admin, `${tag} lent to ${BORROWER}`);
    // On a phone the signing is one tap away: "Go to signing" is on the first screen and brings
    // the name box into view (the agreement itself is several screens long).
    await shot(admin, 'after-lending');
    const go = await link(admin, 'Go to signing');
    const goBox = await go.boundingBox();
    assert.ok(goBox && goBox.y + goBox.height <= PHONE.height, `"Go to signing" should be on the first screen at 360 px (it is at ${Math.round(goBox?.y)} px)`);
    await go.click();
    const name = await field(admin, 'Type your full name', { tag: 'input' });
    await admin.waitForFunction(() => document.querySelector('#sign')?.getBoundingClientRect().top < window.innerHeight);
    const box = await name.boundingBox();
    assert.ok(box && box.y >= 0 && box.y + box.height <= PHONE.height, `after "Go to signing", "Type your full name" should be in view (at ${Math.round(box?.y)} px)`);
    await name.fill(BORROWER);
    await (await field(admin, 'I have read this agreement and I agree to it', { tag: 'input' })).check();
    await (await button(admin, 'Sign the agreement')).click();
    await expectH1(admin, new RegExp(`^Loan of ${escapeRegExp(tag)}\\b`));
    await expectInMain(admin, `${BORROWER} signed on screen`);
    await admin.setViewportSize({ width: 1280, height: 800 });
  });

  await step(5, 'the laptop comes back at Poplar without its charger: Nina finds it, takes it back and checks it', async () => {
    await nina.goto(`${server.baseUrl}/`);
    const search = await field(nina, 'Find a device', { tag: 'input' });
    await search.fill(tag);
    await search.press('Enter');
    await expectH1(nina, 'Take the device back');
    await expectInMain(nina, `Lent from ${HUB.name}`);
    const text = await (await mainOf(nina)).innerText();
    assert.ok(!text.includes(BORROWER), 'Poplar is not told whose loan it was');
    await (await choice(nina, await group(nina, 'What condition is it in?'), 'radio', 'Good', 'under the condition')).check();
    await (await choice(nina, await group(nina, 'Accessories brought back'), 'checkbox', 'charger', 'under "Accessories brought back"')).uncheck();
    await (await button(nina, 'Record the return')).click();

    await expectH1(nina, tagHeading(tag));
    await (await link(nina, 'Record the checks')).click();
    await expectH1(nina, 'Record the checks');
    // The return's missing charger is carried into the checks.
    await expectInMain(nina, 'Not brought back at the return: charger');
    const missing = await choice(nina, await group(nina, 'Which accessories are missing?'), 'checkbox', 'charger', 'under the missing accessories');
    assert.ok(await missing.isChecked(), 'the charger should already be ticked as missing');
    await expectNoAxeViolations(nina, 'the checks on a phone, with the charger missing');
    await (await field(nina, 'The data on it has been wiped', { tag: 'input' })).check();
    await (await field(nina, 'How was it wiped?', { tag: 'select' })).selectOption({ index: 1 });
    await (await button(nina, 'Record the checks')).click();
    await expectInMain(nina, `${tag} is checked and ready to lend, without its charger.`);
    const accessories = (await mainOf(nina)).locator('dt', { hasText: 'Accessories' }).locator('xpath=following-sibling::dd');
    assert.equal((await accessories.innerText()).trim(), 'sleeve', 'the device keeps only its sleeve');
    const history = await deviceHistoryText(nina, tag);
    assert.match(history, /charger/i, `the history should name the missing charger:\n${history}`);
    await expectInMain(nina, POPLAR.name, 'Poplar as its home hub now');
  });

  await step(6, 'last week\u2019s session is found with "Earlier sessions" and its register corrected', async () => {
    const learner = await (await admin.request.post(`${server.baseUrl}/api/v1/borrowers`, {
      data: { name: 'Arthur Bennett', phone: '07700 900789', consent: { data_processing: true } },
    })).json();
    const course = await (await admin.request.post(`${server.baseUrl}/api/v1/training/courses`, {
      data: { title: 'Getting online safely' },
    })).json();
    const hubs = (await (await admin.request.get(`${server.baseUrl}/api/v1/hubs`)).json()).items;
    const lastWeek = new Date(Date.now() - 7 * 86_400_000);
    lastWeek.setUTCHours(10, 0, 0, 0);
    const created = await admin.request.post(`${server.baseUrl}/api/v1/training/sessions`, {
      data: { course_id: course.id, hub_id: hubs[0].id, starts_at: lastWeek.toISOString(), duration_minutes: 90, capacity: 8 },
    });
    assert.equal(created.status(), 201, await created.text());
    const session = await created.json();
    const enrolled = await admin.request.post(`${server.baseUrl}/api/v1/training/sessions/${session.id}/enrolments`, {
      data: { borrower_id: learner.id },
    });
    assert.equal(enrolled.status(), 201, await enrolled.text());
    const marked = await admin.request.put(`${server.baseUrl}/api/v1/training/sessions/${session.id}/attendance`, {
      data: { records: [{ borrower_id: learner.id, status: 'absent' }] },
    });
    assert.ok(marked.ok(), await marked.text());

    await admin.goto(`${server.baseUrl}/training`);
    await (await link(admin, 'Earlier sessions')).click();
    await (await mainOf(admin)).getByRole('link', { name: /Getting online safely/ }).first().click();
    await expectH1(admin, 'Getting online safely');
    // Arthur came after all: the mark is put right a week later.
    await (await button(admin, 'Present: Arthur Bennett')).click();
    // The tap is saved without reloading; it shows as pressed once the server has it.
    await admin.waitForFunction(
      () => document.querySelector('button[aria-label="Present: Arthur Bennett"]')?.getAttribute('aria-pressed') === 'true',
      null,
      { timeout: 10_000 },
    );
    await admin.reload();
    const present = admin.getByRole('button', { name: 'Present: Arthur Bennett', exact: true });
    assert.equal(await present.getAttribute('aria-pressed'), 'true', 'the corrected mark should stay after a reload');
  });

  await step(7, 'a stocktake at Whitechapel on a phone: each scan\u2019s result is in view above the box', async () => {
    await admin.setViewportSize(PHONE);
    await admin.goto(`${server.baseUrl}/stocktakes`);
    await (await field(admin, 'Hub to count', { tag: 'select' })).selectOption({ label: HUB.name });
    await (await button(admin, 'Start a stocktake')).click();
    await expectH1(admin, `Stocktake of ${HUB.name}`);
    const devices = await (await admin.request.get(`${server.baseUrl}/api/v1/devices?q=LN-E14-002`)).json();
    const other = devices.items[0].asset_tag;
    const input = await field(admin, 'Scan or type an asset tag', { tag: 'input' });
    await input.fill(other);
    await input.press('Enter');
    const result = (await mainOf(admin)).getByText(`${other} found`);
    await result.first().waitFor();
    for (const [what, locator] of [['the result', result.first()], ['the scan box', await field(admin, 'Scan or type an asset tag', { tag: 'input' })]]) {
      const box = await locator.boundingBox();
      assert.ok(box && box.y >= 0 && box.y + box.height <= PHONE.height, `${what} should be in view after a scan at 360 px (at ${Math.round(box?.y)} px)`);
    }
    await expectNoAxeViolations(admin, 'the stocktake after a scan, on a phone');
    await shot(admin, 'stocktake-scan');
    await admin.setViewportSize({ width: 1280, height: 800 });
  });

  await step(8, 'the funder report counts the day: one loan, one device lent and returned, one session', async () => {
    await admin.goto(`${server.baseUrl}/reports/funder`);
    await expectH1(admin, 'Report for funders');
    const figure = async (key) => (await admin.locator(`tr#${key.replace('.', '\\.')} td`).innerText()).trim();
    assert.equal(await figure('loans.issued'), '1');
    assert.equal(await figure('loans.devices_lent'), '1');
    assert.equal(await figure('loans.returned'), '1');
    assert.equal(await figure('training.sessions'), '1');
    assert.equal(await figure('training.attendances'), '1');
    await expectNoAxeViolations(admin, 'the funder report');
  });

  await step(9, 'no request was answered with a 5xx and no page script failed', expectNoServerOrScriptErrors, { needs: [] });
});
