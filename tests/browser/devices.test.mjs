// A newcomer's first visit, driven through headless Chromium against the real lendhub binary:
// set up the organisation, sign out and in, add a hub and a device, see the form's errors, find
// the device by its tag, follow a QR label link while signed out, and read the device page on a
// phone: the next thing to do first, the QR code with the details, "Retire" apart at the foot.
//
// Each numbered step is a subtest; a step whose prerequisites failed is skipped, not run against a
// page it does not expect. Failing steps leave a screenshot and the page's HTML in artifacts/.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';

import {
  ADMIN,
  ARTIFACTS_DIR,
  HUB,
  ORG,
  TIMEOUT,
  addDevice,
  addHub,
  button,
  deviceHistoryText,
  escapeRegExp,
  expectH1,
  expectInMain,
  expectNoAxeViolations,
  expectSignInPage,
  field,
  fillDeviceForm,
  link,
  mainOf,
  setUp,
  signIn,
  startRun,
  waitForPath,
} from './harness.mjs';

const LAPTOP = { kind: 'Laptop', make: 'Lenovo', model: 'ThinkPad T480', serial: 'PF1ABC23' };
const KINDS = ['Laptop', 'Tablet', 'MiFi'];

test('a newcomer sets up, adds a device and finds it by its tag', { timeout: 300_000 }, async (t) => {
  const { server, newPage, step, expectNoServerOrScriptErrors } = await startRun(t);

  const page = await newPage();
  let tag = null;

  await step(1, 'sets up the organisation and lands signed in on Devices', async () => {
    await setUp(page, server);
    await button(page, 'Sign out', { anywhere: true });
    await expectNoAxeViolations(page, 'the Devices page');
  });

  await step(2, 'signs out, and back in with the same credentials, landing on the dashboard', async () => {
    await (await button(page, 'Sign out', { anywhere: true })).click();
    await expectSignInPage(page);
    await expectNoAxeViolations(page, 'the sign-in page');

    await signIn(page, ADMIN);
    await expectH1(page, 'Dashboard');
    await expectNoAxeViolations(page, 'the dashboard');
  });

  await step(3, 'adds a hub from the Hubs page', async () => {
    const hubsLink = page.getByRole('navigation').getByRole('link', { name: 'Hubs', exact: true });
    try {
      await hubsLink.waitFor({ timeout: TIMEOUT });
    } catch {
      assert.fail(`no link "Hubs" in a navigation landmark on ${page.url()}`);
    }
    await hubsLink.click();
    await expectH1(page, 'Hubs');

    await addHub(page, HUB);
    await expectH1(page, 'Hubs');
    await expectNoAxeViolations(page, 'the Hubs page with one hub');
  });

  await step(4, 'adds a laptop and lands on its page, with its tag, status and history', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'Devices', exact: true }).click();
    await expectH1(page, 'Devices');
    await page.getByRole('link', { name: 'Add a device', exact: true }).click();
    await field(page, 'Kind');
    await expectNoAxeViolations(page, 'the add-device form');

    tag = await addDevice(page, LAPTOP, { kinds: KINDS });

    const main = await mainOf(page);
    try {
      await main.getByText(/\bAvailable\b/).filter({ visible: true }).first().waitFor({ timeout: TIMEOUT });
    } catch {
      assert.fail(`the page of ${tag} (${page.url()}) does not show the status "Available"`);
    }
    for (const text of [LAPTOP.make, LAPTOP.model, LAPTOP.serial]) {
      assert.match(await main.innerText(), new RegExp(escapeRegExp(text)), `the device page should show "${text}"`);
    }

    const historyText = await deviceHistoryText(page, tag);
    assert.match(historyText, /\badded\b/i, `the history of ${tag} should record it being added; it says:\n${historyText}`);

    await expectNoAxeViolations(page, `the page of ${tag}`);
  });

  await step(5, 'shows an error summary when the model is missing', async () => {
    await page.goto(`${server.baseUrl}/devices/new`);
    await fillDeviceForm(page, { ...LAPTOP, kind: 'Tablet', make: 'Apple', model: '', serial: 'DMPX0001' }, { kinds: KINDS });
    const before = page.url();
    await (await button(page, 'Add device')).click();

    const alerts = page.getByRole('alert');
    const problem = page.getByRole('heading', { name: /There is a problem/i });
    try {
      await alerts.or(problem).first().waitFor({ timeout: TIMEOUT });
    } catch {
      const model = page.getByLabel(/^\s*Model\b/).first();
      const blocked = await model
        .evaluate((el) => el.validity?.valueMissing === true && !el.form?.noValidate)
        .catch(() => false);
      assert.fail(
        blocked && page.url() === before
          ? 'the browser\'s own validation stopped the form being sent (the Model field is `required` ' +
              'and the form lacks `novalidate`), so no error summary could be shown'
          : `no error summary (role="alert" or a "There is a problem" heading) on ${page.url()}`,
      );
    }

    // The summary: an alert region, else the element that holds the "There is a problem" heading.
    const candidates = [...(await alerts.all())];
    if ((await problem.count()) > 0) candidates.push(problem.first().locator('xpath=..'));
    let link = null;
    for (const summary of candidates) {
      const l = summary.getByRole('link', { name: /\bmodel\b/i });
      if ((await l.count()) > 0) {
        link = l.first();
        break;
      }
    }
    assert.ok(link, `the error summary on ${page.url()} has no link mentioning Model`);

    const model = await field(page, 'Model', { tag: 'input' });
    assert.equal(await model.getAttribute('aria-invalid'), 'true', 'the Model field should be aria-invalid="true"');
    const id = await model.getAttribute('id');
    const href = await link.getAttribute('href');
    assert.ok(id && href?.endsWith(`#${id}`), `the summary's Model link (href ${href}) should lead to the field (#${id})`);

    await expectNoAxeViolations(page, 'the add-device form with an error');
  }, { needs: [1, 3] });

  await step(6, 'finds the device by its tag typed in lower case', async () => {
    await page.goto(`${server.baseUrl}/devices`);
    await expectH1(page, 'Devices');
    const search = await field(page, 'Find a device', { tag: 'input' });
    await search.fill(tag.toLowerCase());
    await search.press('Enter');
    await waitForPath(page, `/devices/${tag}`);
    await expectH1(page, new RegExp(escapeRegExp(tag)));
  }, { needs: [4] });

  await step(7, 'a stranger who scans the label is told where to return it; staff sign in from there', async () => {
    const stranger = await newPage();
    await stranger.goto(`${server.baseUrl}/d/${tag}`);
    await expectH1(stranger, 'Thank you for scanning this label');
    await expectInMain(stranger, ORG);
    await expectInMain(stranger, HUB.name);
    await expectInMain(stranger, HUB.address);
    await expectNoAxeViolations(stranger, 'the found-device page');
    await (await link(stranger, 'sign in')).click();
    await expectSignInPage(stranger);
    await signIn(stranger, ADMIN);
    await expectH1(stranger, new RegExp(escapeRegExp(tag)));
    await stranger.context().close();
  }, { needs: [4] });

  await step(8, 'on a phone the device page leads with "Lend it out"; the QR code and "Retire" are out of its way', async () => {
    await page.setViewportSize({ width: 360, height: 740 });
    await page.goto(`${server.baseUrl}/devices/${tag}`);
    assert.equal(await page.title(), `${tag}: ${LAPTOP.make} ${LAPTOP.model} \u2013 lendhub`, 'the window title names the device, in words only');
    const main = await mainOf(page);
    const buttons = main.locator('.button').filter({ visible: true });
    assert.equal(await buttons.first().innerText(), 'Lend it out', 'the first button should be the one thing to do next');
    const lend = await buttons.first().boundingBox();
    assert.ok(lend && lend.y + lend.height <= 740, `"Lend it out" should be in view without scrolling at 360 px (it ends at ${lend?.y + lend?.height} px)`);
    assert.equal(await main.locator('.actions img').count(), 0, 'the QR code should not sit among the buttons');
    const retire = main.getByRole('link', { name: `Retire ${tag}` });
    const history = main.getByRole('heading', { name: 'History' });
    const [retireBox, historyBox] = [await retire.boundingBox(), await history.boundingBox()];
    assert.ok(retireBox && historyBox && retireBox.y > historyBox.y, '"Retire" should stand apart, below the history');
    assert.match(await retire.getAttribute('class'), /button--warning/, '"Retire" should look like what it is: the end of the device\'s use');
    await expectNoAxeViolations(page, `the page of ${tag} on a phone`);
    await page.screenshot({ path: path.join(ARTIFACTS_DIR, 'phone-device-page.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 800 });
  }, { needs: [4] });

  await step(9, 'no request was answered with a 5xx and no page script failed', expectNoServerOrScriptErrors, { needs: [] });
});
