// Sharing agreements between two organisations of a scheme, driven through headless Chromium
// against the real lendhub binary: the landlord's admin proposes a training agreement (sent
// empty first, and told what is missing); the training partner's admin, on a phone, accepts it;
// the partner enrols the landlord's learner who agreed to sharing, and sees her name and access
// needs in the register but no phone, and lends her one of its own tablets, keeping its own record
// of her; the landlord sees every look in her access log, naming the agreement; and once the
// landlord ends it, the partner's register no longer names her. Every page is checked with axe.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import {
  button,
  choice,
  expectH1,
  expectInMain,
  expectNotInMain,
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

const PARTNER = 'West Kent Training';
const PARTNER_ADMIN = { name: 'Tia Lead', email: 'tia@wkt.example.org', password: 'west kent training first admin' };
const LEARNER = { name: 'Edith Shared', phone: '07700 900321', needs: 'Uses a screen reader' };

test('a sharing agreement: proposed, accepted on a phone, a learner shared, and ended', { timeout: 300_000 }, async (t) => {
  const { server, newPage, step, expectNoServerOrScriptErrors } = await startRun(t, { artifactPrefix: 'sharing-' });
  const lead = await newPage();
  const partner = await newPage();
  let agreementPath = null;
  let learnerId = null;
  let sessionId = null;
  let hubId = null;

  await step(1, 'the landlord adds a training partner, whose first admin joins on a phone', async () => {
    await setUp(lead, server);
    const created = await lead.request.post(`${server.baseUrl}/api/v1/organisations`, {
      data: { name: PARTNER, prefix: 'WKT', kind: 'training_partner' },
    });
    assert.ok(created.ok(), await created.text());
    const { invitation_url: url } = await created.json();
    await partner.setViewportSize({ width: 360, height: 740 });
    await partner.goto(url);
    await (await field(partner, 'Your name', { tag: 'input' })).fill(PARTNER_ADMIN.name);
    await (await field(partner, 'Your email', { tag: 'input' })).fill(PARTNER_ADMIN.email);
    await (await field(partner, 'Password', { tag: 'input' })).fill(PARTNER_ADMIN.password);
    await (await field(partner, 'Type the password again', { tag: 'input' })).fill(PARTNER_ADMIN.password);
    await (await button(partner, 'Make my account')).click();
    await expectInMain(partner, 'Your account is ready.');
    await signIn(partner, PARTNER_ADMIN);
  });

  await step(2, 'the landlord proposes a training agreement, after being told what an empty one is missing', async () => {
    await lead.goto(`${server.baseUrl}/settings`);
    await (await link(lead, 'Sharing agreements with partner organisations')).click();
    await expectH1(lead, 'Sharing agreements');
    await expectInMain(lead, '0 sharing agreements.');
    await expectNoAxeViolations(lead, 'no sharing agreements');
    await (await link(lead, 'Propose a sharing agreement')).click();
    await expectH1(lead, 'Propose a sharing agreement');
    await expectNoAxeViolations(lead, 'the proposal form');
    await (await button(lead, 'Propose the agreement')).click();
    await expectSummaryLink(lead, /choose what the sharing is for/i, 'asking what it is for');
    await expectSummaryLink(lead, /choose at least one kind of data/i, 'asking what is shared');
    await expectSummaryLink(lead, /choose the lawful basis/i, 'asking for the lawful basis');
    await expectNoAxeViolations(lead, 'the proposal refused');
    await lead.setViewportSize({ width: 360, height: 740 });
    await expectNoAxeViolations(lead, 'the proposal refused, on a phone');
    await saveArtifacts(lead, 'phone-propose-refused');
    await lead.setViewportSize({ width: 1280, height: 800 });
    await (await field(lead, 'Share with', { tag: 'select' })).selectOption({ label: PARTNER });
    await (await choice(lead, await group(lead, 'What is it for?'), 'radio', 'Training', 'among the purposes')).check();
    const data = await group(lead, 'What may be shared?');
    await (await choice(lead, data, 'checkbox', 'Names and access needs', 'among the data')).check();
    await (await choice(lead, data, 'checkbox', 'Attendance and skills progress', 'among the data')).check();
    await (await choice(lead, await group(lead, 'Lawful basis for sharing'), 'radio', 'Consent', 'among the bases')).check();
    await (await button(lead, 'Propose the agreement')).click();
    await expectH1(lead, `Sharing agreement with ${PARTNER}`);
    await expectInMain(lead, 'Nothing is shared until their admin accepts it.');
    await expectInMain(lead, 'Waiting for the other organisation to accept');
    await expectNoAxeViolations(lead, 'the agreement proposed');
    agreementPath = new URL(lead.url()).pathname;
  });

  await step(3, "the partner's admin accepts it on a phone", async () => {
    await partner.goto(`${server.baseUrl}/sharing`);
    await expectInMain(partner, 'Waiting for you to accept');
    await expectNoAxeViolations(partner, 'the agreements on a phone');
    await (await link(partner, 'Tower Hamlets Digital')).click();
    await expectH1(partner, 'Sharing agreement with Tower Hamlets Digital');
    await expectInMain(partner, 'Names and access needs');
    await saveArtifacts(partner, 'phone-agreement');
    await (await button(partner, 'Accept the agreement')).click();
    await expectInMain(partner, 'Accepted. The agreement is in force.');
    await expectInMain(partner, 'In force');
    await expectNoAxeViolations(partner, 'the agreement accepted, on a phone');
  });

  await step(4, "the partner enrols the landlord's learner who agreed to sharing, and sees her needs but no phone", async () => {
    const added = await lead.request.post(`${server.baseUrl}/api/v1/borrowers`, {
      data: {
        name: LEARNER.name,
        phone: LEARNER.phone,
        accessibility_needs: LEARNER.needs,
        consent: { loan: true, share_with_partners: true },
      },
    });
    assert.ok(added.ok(), await added.text());
    learnerId = (await added.json()).id;
    const private_ = await lead.request.post(`${server.baseUrl}/api/v1/borrowers`, {
      data: { name: 'Frank Private', phone: '07700 900654', consent: { loan: true } },
    });
    assert.ok(private_.ok(), await private_.text());
    const hub = await partner.request.post(`${server.baseUrl}/api/v1/hubs`, { data: { name: 'Training room', address: '2 Mill Lane' } });
    assert.ok(hub.ok(), await hub.text());
    const course = await partner.request.post(`${server.baseUrl}/api/v1/training/courses`, { data: { title: 'Getting online' } });
    assert.ok(course.ok(), await course.text());
    const inThreeDays = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
    const session = await partner.request.post(`${server.baseUrl}/api/v1/training/sessions`, {
      data: {
        course_id: (await course.json()).id,
        starts_at: `${inThreeDays}T10:00`,
        duration_minutes: 90,
        capacity: 8,
        hub_id: (hubId = (await hub.json()).id),
      },
    });
    assert.ok(session.ok(), await session.text());
    sessionId = (await session.json()).id;
    await partner.goto(`${server.baseUrl}/training/sessions/${sessionId}`);
    await (await link(partner, 'Enrol a learner a partner organisation shares with you')).click();
    await expectH1(partner, "Enrol a learner a partner shares with you");
    await expectInMain(partner, '1 learner is shared.');
    await expectInMain(partner, LEARNER.needs);
    await expectNotInMain(partner, 'Frank Private', 'someone who did not agree to sharing');
    await expectNoAxeViolations(partner, "a partner's learners, on a phone");
    await (await button(partner, `Enrol ${LEARNER.name}`)).click();
    await expectInMain(partner, `${LEARNER.name} is enrolled.`);
    await expectInMain(partner, "A partner organisation's learner");
    await expectInMain(partner, LEARNER.needs);
    await expectNotInMain(partner, LEARNER.phone, 'no contact details were agreed');
    await expectNoAxeViolations(partner, 'the register with a shared learner');
    await saveArtifacts(partner, 'phone-register-shared');
  });

  await step(5, "the landlord sees each look in the learner's access log, naming the agreement", async () => {
    await lead.goto(`${server.baseUrl}/borrowers/${learnerId}`);
    await expectInMain(lead, "In a partner's training register");
    await expectInMain(lead, `${PARTNER_ADMIN.name} (${PARTNER})`);
    await expectInMain(lead, 'sharing agreement');
    await expectNoAxeViolations(lead, 'the record with looks from a partner');
  });

  await step(6, "the partner lends her one of its own tablets at its session, on a phone: told what is missing, then its own record of her made, the counter's steps, and she signs", async () => {
    const device = await partner.request.post(`${server.baseUrl}/api/v1/devices`, {
      data: { kind: 'tablet', make: 'Lenovo', model: 'Tab M10', hub_id: hubId },
    });
    assert.ok(device.ok(), await device.text());
    const tag = (await device.json()).asset_tag;
    await partner.goto(`${server.baseUrl}/training/sessions/${sessionId}`);
    await (await link(partner, `Lend a device to ${LEARNER.name}`)).click();
    await expectH1(partner, `Lend ${LEARNER.name} a device`);
    await expectInMain(partner, 'you keep your own record of them');
    await expectNoAxeViolations(partner, "lending to a partner's learner, on a phone");
    await (await button(partner, 'Continue')).click();
    await expectSummaryLink(partner, /enter the device's asset tag/i, 'asking for the device');
    await (await field(partner, "The device's asset tag", { tag: 'input' })).fill(tag);
    await (await button(partner, 'Continue')).click();
    await expectSummaryLink(partner, /must agree to us keeping their details/i, 'asking for their agreement');
    await expectNoAxeViolations(partner, "lending to a partner's learner refused, on a phone");
    await saveArtifacts(partner, 'phone-partner-lend-refused');
    await (await field(partner, 'Phone', { tag: 'input' })).fill('07700 900999');
    await (await field(partner, 'They agree to us keeping their details to run the loan', { tag: 'input' })).check();
    await (await button(partner, 'Continue')).click();
    await expectH1(partner, `Lend to ${LEARNER.name}`);
    await (await button(partner, 'Continue')).click();
    await expectH1(partner, 'Check before lending');
    await (await button(partner, 'Lend the device')).click();
    await expectH1(partner, 'Loan agreement');
    await expectInMain(partner, `${tag} lent to ${LEARNER.name}`);
    await expectNoAxeViolations(partner, "the partner's loan agreement to sign, on a phone");
    await (await field(partner, 'Type your full name', { tag: 'input' })).fill(LEARNER.name);
    await (await field(partner, 'I have read this agreement and I agree to it', { tag: 'input' })).check();
    await (await button(partner, 'Sign the agreement')).click();
    await expectH1(partner, new RegExp(`^Loan of ${tag}\\b`));
    await expectInMain(partner, `${LEARNER.name} signed on screen`);
    await expectNoAxeViolations(partner, "the partner's loan, signed, on a phone");
    await saveArtifacts(partner, 'phone-partner-loan');
    // Back in the register, her record with the partner is one tap away.
    await partner.goto(`${server.baseUrl}/training/sessions/${sessionId}`);
    await (await link(partner, `Your record of them (${LEARNER.name})`)).click();
    await expectH1(partner, LEARNER.name);
    await expectInMain(partner, '07700 900999');
  });

  await step(7, "the landlord ends the agreement: the partner's register no longer names her", async () => {
    await lead.goto(`${server.baseUrl}${agreementPath}`);
    await (await button(lead, 'End the agreement now')).click();
    await expectInMain(lead, 'Ended. Nothing more is shared under it, from now.');
    await expectNoAxeViolations(lead, 'the agreement ended');
    await lead.setViewportSize({ width: 360, height: 740 });
    await saveArtifacts(lead, 'phone-agreement-ended');
    await lead.setViewportSize({ width: 1280, height: 800 });
    await partner.goto(`${server.baseUrl}/training/sessions/${sessionId}`);
    await expectNotInMain(partner, LEARNER.name, 'a learner no longer shared');
    await expectInMain(partner, "A partner's learner (no longer shared)");
    await partner.goto(`${server.baseUrl}/training/sessions/${sessionId}/partners`);
    await expectInMain(partner, 'No partner organisation shares learners with you for training now.');
    await expectNoAxeViolations(partner, 'no partner shares learners');
  });

  await step(8, 'no request was answered with a 5xx and no page script failed', expectNoServerOrScriptErrors, { needs: [] });
});
