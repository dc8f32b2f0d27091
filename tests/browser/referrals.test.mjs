// The journey before a loan, driven through headless Chromium against the real lendhub binary:
// a coordinator makes a referral link; a work coach, with no account, on a phone-sized screen
// and with the keyboard alone, fills in the referral form (first sending it empty, and reading
// what is wrong); staff accept the referral and find the person first on the waiting list.
// Every page is checked with axe.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import {
  HUB,
  addHub,
  button,
  expectH1,
  expectInMain,
  expectNoAxeViolations,
  expectSummaryLink,
  field,
  link,
  setUp,
  startRun,
} from './harness.mjs';

/** Presses Tab until the element with `id` has focus, as a keyboard user would. */
async function tabTo(page, id, max = 80) {
  for (let i = 0; i < max; i += 1) {
    await page.keyboard.press('Tab');
    if (await page.evaluate(() => document.activeElement?.id) === id) return;
  }
  assert.fail(`Tab never reached #${id} on ${page.url()}`);
}

test('referrals: a link, the public form by keyboard on a phone, the decision and the waiting list', { timeout: 300_000 }, async (t) => {
  const { server, newPage, step, expectNoServerOrScriptErrors } = await startRun(t, { artifactPrefix: 'referrals-' });
  const page = await newPage();
  let formUrl = null;

  await step(1, 'a coordinator makes a referral link for the job centre, shown once', async () => {
    await setUp(page, server);
    await page.goto(`${server.baseUrl}/hubs`);
    await addHub(page);
    await page.goto(`${server.baseUrl}/borrowers`);
    await (await link(page, 'Referrals')).click();
    await expectH1(page, 'Referrals');
    await expectInMain(page, 'No referrals here.');
    await expectNoAxeViolations(page, 'the empty list of referrals');
    await (await link(page, 'Referral links')).click();
    await expectH1(page, 'Referral links');
    await (await button(page, 'Make the link')).click();
    await expectSummaryLink(page, /referring organisation/i, 'asking for the organisation');
    await (await field(page, 'The referring organisation', { tag: 'input' })).fill('Jobcentre Plus, Whitechapel');
    await (await button(page, 'Make the link')).click();
    await expectInMain(page, 'It is shown only now');
    formUrl = await (await field(page, 'Their referral link', { tag: 'input' })).inputValue();
    assert.match(formUrl, /\/r\/[A-Za-z0-9_-]+$/);
    await expectNoAxeViolations(page, 'the referral links page with a new link');
  });

  await step(2, 'a work coach with no account sends the form empty on a phone, by keyboard, and reads what is wrong', async () => {
    const coach = await newPage();
    await coach.setViewportSize({ width: 360, height: 740 });
    await coach.goto(formUrl);
    await expectH1(coach, /^Refer someone to /);
    await expectNoAxeViolations(coach, 'the public referral form on a phone');
    await tabTo(coach, 'referrer_phone');
    await coach.keyboard.press('Tab');
    await coach.keyboard.press('Tab');
    await coach.keyboard.press('Enter');
    await expectSummaryLink(coach, /their name/i, 'asking for the person\'s name');
    await expectSummaryLink(coach, /what they need/i, 'asking what they need');
    await expectNoAxeViolations(coach, 'the referral form refused');

    await tabTo(coach, 'name');
    await coach.keyboard.type('Florence Adeyemi');
    await tabTo(coach, 'phone');
    await coach.keyboard.type('07700 900654');
    await tabTo(coach, 'needs-2');
    await coach.keyboard.press('Space');
    for (const question of ['over_18', 'low_income', 'no_internet', 'cannot_afford']) {
      await tabTo(coach, `${question}-1`);
      await coach.keyboard.press('Space');
    }
    await tabTo(coach, 'reasons');
    await coach.keyboard.type('Looking for work; no internet at home.');
    await tabTo(coach, 'referrer_name');
    await coach.keyboard.type('Sam Coach');
    await tabTo(coach, 'referrer_email');
    await coach.keyboard.type('sam.coach@jobcentre.example');
    await tabTo(coach, 'consent');
    await coach.keyboard.press('Space');
    await coach.keyboard.press('Tab');
    await coach.keyboard.press('Enter');
    await expectH1(coach, 'Referral sent');
    await expectInMain(coach, 'If we cannot help them, we will email you why.');
    await expectNoAxeViolations(coach, 'the thank-you page on a phone');
  });

  await step(3, 'staff accept the referral: the person is a borrower, first on the waiting list', async () => {
    await page.goto(`${server.baseUrl}/referrals`);
    await expectInMain(page, '1 referral.');
    await (await link(page, 'Florence Adeyemi')).click();
    await expectH1(page, 'Florence Adeyemi');
    await expectInMain(page, 'Priority 7: every question answered yes.');
    await expectNoAxeViolations(page, 'a new referral');
    await (await button(page, 'Accept the referral')).click();
    await expectSummaryLink(page, /choose the hub/i, 'asking where they will collect it');
    await (await field(page, 'Where will they collect a device?', { tag: 'select' })).selectOption({ label: HUB.name });
    await (await button(page, 'Accept the referral')).click();
    await expectH1(page, 'Florence Adeyemi');
    await expectInMain(page, 'Referral accepted: they are now a borrower, waiting for a device');
    await expectInMain(page, 'Waiting for a tablet: number 1 on the list');
    await expectNoAxeViolations(page, 'the new borrower\'s page with their place on the waiting list');
    await page.goto(`${server.baseUrl}/waiting-list`);
    await expectH1(page, 'Waiting list');
    await expectInMain(page, '1 person waiting.');
    await expectInMain(page, `Tablet at ${HUB.name}`);
    await expectNoAxeViolations(page, 'the waiting list');
    await page.setViewportSize({ width: 360, height: 740 });
    await expectNoAxeViolations(page, 'the waiting list on a phone');
  });

  await step(4, 'no request was answered with a 5xx and no page script failed', expectNoServerOrScriptErrors, { needs: [] });
});
