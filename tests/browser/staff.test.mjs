// Staff accounts from the web, driven through headless Chromium against the real lendhub binary:
// an admin invites a hub staff member for one hub and is shown the link to hand over; the new
// colleague opens it in their own browser, chooses a password and signs in; the admin disables
// the account, and the colleague's very next page is the sign-in page. Every page is checked
// with axe.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import {
  HUB,
  addHub,
  button,
  choice,
  expectH1,
  expectInMain,
  expectNoAxeViolations,
  expectSignInPage,
  field,
  group,
  link,
  setUp,
  signIn,
  startRun,
} from './harness.mjs';

const NINA = { name: 'Nina Okafor', email: 'nina@example.org', password: 'a password nina chose' };

test('an admin invites a colleague, who signs in, and disabling them signs them out', { timeout: 300_000 }, async (t) => {
  const { server, newPage, step, expectNoServerOrScriptErrors } = await startRun(t, { artifactPrefix: 'staff-' });
  const admin = await newPage();
  const nina = await newPage();
  let invitation = null;

  await step(1, 'the admin sets up, adds a hub and invites Nina as hub staff there', async () => {
    await setUp(admin, server);
    await admin.goto(`${server.baseUrl}/hubs`);
    await addHub(admin);
    await admin.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Staff', exact: true }).click();
    await expectH1(admin, 'Staff');
    await expectNoAxeViolations(admin, 'the staff list');
    await (await link(admin, 'Invite a staff member')).click();
    await expectH1(admin, 'Invite a staff member');
    await (await button(admin, 'Invite')).click();
    await expectInMain(admin, 'There is a problem', 'an empty invitation is refused');
    await expectNoAxeViolations(admin, 'the invitation form with its errors');
    await (await field(admin, 'Full name')).fill(NINA.name);
    await (await field(admin, 'Email address')).fill(NINA.email);
    const role = await group(admin, 'Role');
    await (await choice(admin, role, 'radio', /^Hub staff/, 'under Role')).check();
    const hubs = await group(admin, 'Hubs they work at');
    await (await choice(admin, hubs, 'checkbox', HUB.name, 'under the hubs')).check();
    await (await button(admin, 'Invite')).click();
    await expectH1(admin, 'Invitation ready');
    await expectNoAxeViolations(admin, 'the invitation link page');
    invitation = await (await field(admin, `Link for ${NINA.name}`, { tag: 'input' })).inputValue();
    assert.match(invitation, /\/password\/[A-Za-z0-9_-]{43}$/);
  });

  await step(2, 'Nina opens the link in her own browser, chooses a password and signs in', async () => {
    await nina.goto(invitation);
    await expectH1(nina, `Welcome to lendhub, ${NINA.name}`);
    await expectNoAxeViolations(nina, 'the choose-a-password page');
    await (await field(nina, 'Password')).fill(NINA.password);
    await (await field(nina, 'Type the password again')).fill(NINA.password);
    await (await button(nina, 'Save password')).click();
    await expectSignInPage(nina);
    await expectInMain(nina, 'Password saved', 'the sign-in page says the password was saved');
    await signIn(nina, NINA);
    await nina.waitForURL((url) => !url.pathname.startsWith('/login'));
    const account = nina.locator('.site-header__account');
    assert.match(await account.innerText(), /Nina Okafor/);
    // Her hub's page is hers; the staff pages are not.
    const staffPage = await nina.goto(`${server.baseUrl}/staff`);
    assert.equal(staffPage.status(), 403);
  });

  await step(3, 'the admin disables the account and Nina is signed out on her next page', async () => {
    await admin.goto(`${server.baseUrl}/staff`);
    await (await link(admin, NINA.name)).click();
    await expectH1(admin, `Change ${NINA.name}`);
    await expectNoAxeViolations(admin, 'the change-staff form');
    await admin.getByLabel('Account disabled').check();
    await (await button(admin, 'Save changes')).click();
    await expectH1(admin, 'Staff');
    await expectInMain(admin, 'Disabled', 'the staff list shows the account disabled');
    await nina.goto(`${server.baseUrl}/devices`);
    await expectSignInPage(nina);
    expectNoServerOrScriptErrors();
  });
});
