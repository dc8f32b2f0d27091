// The signposting directory, driven through headless Chromium against the real lendhub binary:
// a coordinator's first service (sent empty first, and told what is missing), found again by its
// area of need and by a postcode, on a phone and a desktop; a borrower signposted to it from
// their own page with their agreement, which their record then shows; and the public Open
// Referral feed, which any site may read, holding the service and nobody's name; and a partner
// organisation added from the settings, whose first admin is given a link. Every page is checked
// with axe.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import {
  button,
  choice,
  expectH1,
  expectInMain,
  expectNoAxeViolations,
  expectSummaryLink,
  field,
  group,
  link,
  saveArtifacts,
  signIn,
  setUp,
  startRun,
} from './harness.mjs';

const PERSON = { name: 'Dorothy Vaughan', email: 'dorothy@example.org' };
const SERVICE = 'Maidstone Food Bank';

test('the directory: a service added, found, a person signposted to it, and the open feed', { timeout: 300_000 }, async (t) => {
  const { server, newPage, step, expectNoServerOrScriptErrors } = await startRun(t, { artifactPrefix: 'directory-' });
  const page = await newPage();
  let borrowerId = null;

  await step(1, 'adds a service, after being told what an empty form is missing', async () => {
    await setUp(page, server);
    await (await link(page, 'Directory', page.locator('header'))).click();
    await expectH1(page, 'Signposting directory');
    await expectInMain(page, 'No services match.');
    await expectNoAxeViolations(page, 'the empty directory');
    await (await link(page, 'Add a service')).click();
    await expectH1(page, 'Add a service to the directory');
    await (await button(page, 'Add the service')).click();
    await expectSummaryLink(page, /enter the service's name/i, "asking for the service's name");
    await expectSummaryLink(page, /choose at least one area of need/i, 'asking for an area of need');
    await expectNoAxeViolations(page, 'the service form refused');
    await (await field(page, 'Name of the service', { tag: 'input' })).fill(SERVICE);
    await (await field(page, 'What it offers', { tag: 'textarea' })).fill('Emergency food parcels, and advice on what else can help.');
    const areas = await group(page, 'Areas of need it meets');
    await (await choice(page, areas, 'checkbox', 'Food and medicine', 'among the areas')).check();
    await (await choice(page, areas, 'checkbox', 'Money advice', 'among the areas')).check();
    await (await field(page, 'Phone', { tag: 'input' })).fill('01622 000 111');
    await (await field(page, 'How to refer someone', { tag: 'textarea' })).fill('Call first; any partner can give a voucher.');
    await (await field(page, 'Where it is: the place', { tag: 'input' })).fill("St Faith's Church");
    await (await field(page, 'Its postcode', { tag: 'input' })).fill('me14 1lh');
    await (await button(page, 'Add the service')).click();
    await expectH1(page, SERVICE);
    await expectInMain(page, `${SERVICE} is in the directory`);
    await expectInMain(page, 'ME14 1LH');
    await expectNoAxeViolations(page, "the service's page");
  });

  await step(2, 'finds it by area of need and by postcode, on a desktop and a phone', async () => {
    await page.goto(`${server.baseUrl}/directory`);
    await (await field(page, 'Area of need', { tag: 'select' })).selectOption({ label: 'Money advice' });
    await (await button(page, 'Search')).click();
    await expectInMain(page, '1 service.');
    await expectInMain(page, SERVICE);
    await (await field(page, 'Area of need', { tag: 'select' })).selectOption({ label: 'Befriending' });
    await (await button(page, 'Search')).click();
    await expectInMain(page, 'No services match.');
    await page.setViewportSize({ width: 360, height: 740 });
    await page.goto(`${server.baseUrl}/directory?place=ME14`);
    await expectInMain(page, SERVICE);
    await expectNoAxeViolations(page, 'the directory on a phone');
    await saveArtifacts(page, 'phone-directory');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  await step(3, "signposts a person from their page, with their agreement, and their record shows it", async () => {
    const response = await page.request.post(`${server.baseUrl}/api/v1/borrowers`, {
      data: { ...PERSON, consent: { loan: true } },
    });
    assert.ok(response.ok(), await response.text());
    borrowerId = (await response.json()).id;
    await page.goto(`${server.baseUrl}/borrowers/${borrowerId}`);
    await expectInMain(page, 'Not signposted to any service yet.');
    await (await link(page, 'Signpost them to a service')).click();
    await expectH1(page, `Signpost ${PERSON.name} to a service`);
    await expectNoAxeViolations(page, 'the directory, signposting');
    await (await link(page, new RegExp(`^Signpost them here.*${SERVICE}`))).click();
    await expectH1(page, `Signpost ${PERSON.name} to ${SERVICE}`);
    await expectInMain(page, 'How to refer: Call first');
    await expectNoAxeViolations(page, 'the signpost form');
    await (await field(page, 'They agreed to their name and contact details being passed to the service', { tag: 'input' })).check();
    await (await field(page, 'What was said or arranged', { tag: 'textarea' })).fill('Will call them on Tuesday');
    await (await button(page, 'Record the signpost')).click();
    await expectH1(page, PERSON.name);
    await expectInMain(page, `Signposted to ${SERVICE}`);
    await expectInMain(page, 'with their agreement to pass on their details');
    await expectNoAxeViolations(page, 'the record with its signpost');
    await page.setViewportSize({ width: 360, height: 740 });
    await saveArtifacts(page, 'phone-signposted');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  await step(4, 'the open feed lists the service to anyone, and names no one', async () => {
    const feed = await page.request.get(`${server.baseUrl}/openreferral/services`, { headers: { cookie: '' } });
    assert.equal(feed.status(), 200);
    assert.equal(feed.headers()['access-control-allow-origin'], '*');
    const text = await feed.text();
    const body = JSON.parse(text);
    assert.equal(body.total_items, 1);
    assert.equal(body.contents[0].name, SERVICE);
    for (const detail of [PERSON.name, PERSON.email, 'Tuesday']) {
      assert.ok(!text.includes(detail), `${detail} is in the public feed`);
    }
  });

  await step(5, 'adds a partner organisation, whose first admin is given a link', async () => {
    await page.goto(`${server.baseUrl}/settings`);
    await (await link(page, 'Partner organisations in the scheme')).click();
    await expectH1(page, 'Partner organisations');
    await expectInMain(page, '1 organisation.');
    await expectNoAxeViolations(page, 'the partner organisations');
    await (await link(page, 'Add a partner organisation')).click();
    await expectH1(page, 'Add a partner organisation');
    await (await button(page, 'Add the organisation')).click();
    await expectSummaryLink(page, /enter the organisation's name/i, "asking for the organisation's name");
    await expectSummaryLink(page, /choose what kind of organisation/i, 'asking what kind it is');
    await expectNoAxeViolations(page, 'the partner form refused');
    await (await field(page, 'Organisation name', { tag: 'input' })).fill('West Kent Training');
    const kinds = await group(page, 'What kind of organisation is it?');
    await (await choice(page, kinds, 'radio', 'Training partner', 'among the kinds')).check();
    await (await field(page, 'Asset-tag prefix', { tag: 'input' })).fill('wkt');
    await (await field(page, "Their first admin's name", { tag: 'input' })).fill('Tia Lead');
    await (await field(page, "Their first admin's email", { tag: 'input' })).fill('tia@wkt.example.org');
    await (await button(page, 'Add the organisation')).click();
    await expectH1(page, 'West Kent Training added');
    const url = await page.locator('#link').inputValue();
    assert.match(url, /\/password\//);
    await expectNoAxeViolations(page, 'the partner added');
    await page.goto(`${server.baseUrl}/organisations`);
    await expectInMain(page, 'Training partner');
    await expectInMain(page, 'Nobody has signed up as its admin yet.');
    await page.setViewportSize({ width: 360, height: 740 });
    await expectNoAxeViolations(page, 'the partner organisations on a phone');
    await saveArtifacts(page, 'phone-partners');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  await step(6, "the partner's first admin makes their account on a phone, signs in to their own organisation", async () => {
    await (await button(page, 'New invitation link for West Kent Training')).click();
    await expectH1(page, 'A new invitation for West Kent Training');
    const url = await page.locator('#link').inputValue();
    const phone = await newPage();
    await phone.setViewportSize({ width: 360, height: 740 });
    await phone.goto(url);
    await expectH1(phone, 'Set up West Kent Training on lendhub');
    await expectNoAxeViolations(phone, 'the join form on a phone');
    await (await button(phone, 'Make my account')).click();
    await expectSummaryLink(phone, /enter your name/i, 'asking for a name');
    await expectSummaryLink(phone, /email address/i, 'asking for an email');
    await expectNoAxeViolations(phone, 'the join form refused');
    await (await field(phone, 'Your name', { tag: 'input' })).fill('Tia Lead');
    await (await field(phone, 'Your email', { tag: 'input' })).fill('tia@wkt.example.org');
    await (await field(phone, 'Password', { tag: 'input' })).fill('west kent training first admin');
    await (await field(phone, 'Type the password again', { tag: 'input' })).fill('west kent training first admin');
    await saveArtifacts(phone, 'phone-join');
    await (await button(phone, 'Make my account')).click();
    await expectInMain(phone, 'Your account is ready.');
    await signIn(phone, { email: 'tia@wkt.example.org', password: 'west kent training first admin' });
    await phone.goto(`${server.baseUrl}/settings`);
    const name = await phone.locator('#name').inputValue();
    assert.equal(name, 'West Kent Training', 'signed in to their own organisation');
    await phone.goto(url);
    await expectH1(phone, 'Page not found');
  });

  await step(7, 'no request was answered with a 5xx and no page script failed', expectNoServerOrScriptErrors, { needs: [] });
});
