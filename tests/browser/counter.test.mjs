// The counter, driven through headless Chromium against the real lendhub binary: set up, add a hub
// and a laptop, open it from its QR link, lend it to a borrower who is not on file yet (adding them
// on the way, first without their consent), check and lend, take it back, record the checks after
// a first try with nothing ticked, and see it ready to lend again with its history and loans.
//
// Each numbered step is a subtest; a step whose prerequisites failed is skipped, not run against a
// page it does not expect. Every distinct page visited, error states included, is checked with axe.
// Failing steps leave a screenshot and the page's HTML in artifacts/.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import {
  expectNoAxeViolations,
  launchBrowser,
  saveArtifacts,
  saveText,
  startServer,
} from './harness.mjs';

const TIMEOUT = 15_000;

const ORG = 'Tower Hamlets Digital';
const PREFIX = 'TCH';
const ADMIN = { name: 'Ada Admin', email: 'ada@example.org', password: 'correct horse battery staple' };
const HUB = { name: 'Whitechapel Community Hub', address: '1 High Street, London E1 1AA' };
const LAPTOP = {
  kind: 'Laptop',
  make: 'Dell',
  model: 'Latitude 5490',
  serial: 'DL5490-1',
  accessories: 'charger, sleeve',
};
const BORROWER = { name: 'Siân Evans', phone: '07700 900123', postcode: 'e1 5hr', postcodeShown: 'E1 5HR' };
const CONSENT_LABEL = 'They agree that we keep and use these details';
const TAG_PATTERN = new RegExp(`${PREFIX}-\\d{5}`);
const LONG_DATE = /\b\d{1,2} [A-Z][a-z]+ \d{4}\b/;

const escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The form control labelled `label`, within `scope` (a page or a locator). The label must start
 * with that text (so "Password" does not find "Confirm password"); a hint or error message after
 * it in the same label is tolerated. Fails with a clear message when there is no such control, or
 * when it is not a `tag`.
 */
async function field(scope, label, { tag } = {}) {
  const page = scope.page?.() ?? scope;
  const control = scope.getByLabel(new RegExp(`^\\s*${escapeRegExp(label)}(?![\\w])`));
  try {
    await control.first().waitFor({ timeout: TIMEOUT });
  } catch {
    assert.fail(`no form control labelled "${label}" on ${page.url()}`);
  }
  const count = await control.count();
  assert.equal(count, 1, `expected one control labelled "${label}" on ${page.url()}, found ${count}`);
  if (tag) {
    const actual = await control.evaluate((el) => el.tagName.toLowerCase());
    assert.equal(actual, tag, `the control labelled "${label}" should be a <${tag}>, is a <${actual}>`);
  }
  return control;
}

/** The button with exactly this accessible name, in the page's main landmark. */
async function button(page, name) {
  const b = (await mainOf(page)).getByRole('button', { name, exact: true });
  try {
    await b.first().waitFor({ timeout: TIMEOUT });
  } catch {
    assert.fail(`no button "${name}" on ${page.url()}`);
  }
  return b.first();
}

/** The link with exactly this accessible name, in `scope` (default: the page's main landmark). */
async function link(page, name, scope = null) {
  const l = (scope ?? (await mainOf(page))).getByRole('link', { name, exact: true });
  try {
    await l.first().waitFor({ timeout: TIMEOUT });
  } catch {
    assert.fail(`no link "${name}" on ${page.url()}`);
  }
  return l.first();
}

/** The fieldset (role group) whose legend is `legend`. */
async function group(page, legend) {
  const g = (await mainOf(page)).getByRole('group', { name: legend, exact: true });
  try {
    await g.first().waitFor({ timeout: TIMEOUT });
  } catch {
    assert.fail(`no fieldset with the legend "${legend}" on ${page.url()}`);
  }
  const count = await g.count();
  assert.equal(count, 1, `expected one fieldset "${legend}" on ${page.url()}, found ${count}`);
  return g;
}

/** The checkbox or radio named exactly `name` inside `scope`. */
async function choice(page, scope, role, name, where) {
  const c = scope.getByRole(role, { name, exact: true });
  try {
    await c.first().waitFor({ timeout: TIMEOUT });
  } catch {
    assert.fail(`no ${role} "${name}" ${where} on ${page.url()}`);
  }
  const count = await c.count();
  assert.equal(count, 1, `expected one ${role} "${name}" ${where} on ${page.url()}, found ${count}`);
  return c;
}

async function h1Texts(page) {
  try {
    return (await page.locator('h1').allInnerTexts()).map((s) => s.replace(/\s+/g, ' ').trim());
  } catch {
    return []; // navigating
  }
}

/**
 * Wait until the page has an h1 equal to `expected` (a string) or matching it (a RegExp); returns
 * that h1's text. Fails naming the URL, the h1s and the title actually there.
 */
async function expectH1(page, expected) {
  const ok = (text) => (expected instanceof RegExp ? expected.test(text) : text === expected);
  const deadline = Date.now() + TIMEOUT;
  for (;;) {
    const texts = await h1Texts(page);
    const hit = texts.find(ok);
    if (hit !== undefined) return hit;
    if (Date.now() > deadline) {
      const title = await page.title().catch(() => '?');
      assert.fail(
        `expected an h1 ${expected instanceof RegExp ? `matching ${expected}` : `"${expected}"`} ` +
          `on ${page.url()}; found h1s ${JSON.stringify(texts)}, title "${title}"`,
      );
    }
    await page.waitForTimeout(100);
  }
}

/** The page's main landmark, or the body when there is none (axe reports that separately). */
async function mainOf(page) {
  return (await page.locator('main').count()) === 1 ? page.locator('main') : page.locator('body');
}

/** The visible text of the page's main landmark, whitespace collapsed. */
async function mainText(page) {
  return (await (await mainOf(page)).innerText()).replace(/\s+/g, ' ');
}

/** Fail unless the main landmark shows `text` (a string or a RegExp). */
async function expectInMain(page, text, what = null) {
  const re = text instanceof RegExp ? text : new RegExp(escapeRegExp(text));
  const shown = await mainText(page);
  assert.match(shown, re, `${page.url()} should show ${what ?? `"${text}"`}; its main text is:\n${shown}`);
}

/**
 * Wait until the main landmark shows the status `label` as an element of its own (e.g. a
 * `<strong>On loan</strong>`, or "Status: On loan"), not just as part of a longer sentence.
 */
async function expectStatus(page, label) {
  const main = await mainOf(page);
  const status = main.getByText(new RegExp(`^\\s*(Status:\\s*)?${escapeRegExp(label)}\\s*$`)).filter({ visible: true });
  try {
    await status.first().waitFor({ timeout: TIMEOUT });
  } catch {
    assert.fail(`${page.url()} does not show the status "${label}"; its main text is:\n${await mainText(page)}`);
  }
}

/** The text of the section a heading opens: its section/article, or what follows it up to the next heading of its level. */
async function sectionText(heading) {
  return heading.evaluate((h) => {
    const box = h.closest('section, article, aside, details');
    if (box) return box.innerText;
    const level = Number(h.tagName.slice(1)) || 6;
    let out = '';
    for (let n = h.nextElementSibling; n; n = n.nextElementSibling) {
      if (/^H[1-6]$/.test(n.tagName) && Number(n.tagName.slice(1)) <= level) break;
      out += `\n${n.innerText}`;
    }
    return out;
  });
}

/**
 * Wait for the error summary (a role="alert" region, or the element holding a "There is a problem"
 * heading) and return its links.
 */
async function errorSummaryLinks(page) {
  const alerts = page.getByRole('alert');
  const problem = page.getByRole('heading', { name: /There is a problem/i });
  try {
    await alerts.or(problem).first().waitFor({ timeout: TIMEOUT });
  } catch {
    assert.fail(
      `no error summary (role="alert" or a "There is a problem" heading) on ${page.url()}; h1s ` +
        `${JSON.stringify(await h1Texts(page))}`,
    );
  }
  assert.ok((await problem.count()) > 0, `the error summary on ${page.url()} has no heading "There is a problem"`);
  const candidates = [...(await alerts.all())];
  if ((await problem.count()) > 0) candidates.push(problem.first().locator('xpath=..'));
  const links = [];
  for (const summary of candidates) {
    for (const l of await summary.getByRole('link').all()) {
      links.push({ locator: l, text: (await l.innerText()).replace(/\s+/g, ' ').trim() });
    }
  }
  return links;
}

/** The error summary's link whose text matches `pattern`; fails listing the links there are. */
async function expectSummaryLink(page, pattern, what) {
  const links = await errorSummaryLinks(page);
  const hit = links.find((l) => pattern.test(l.text));
  assert.ok(
    hit,
    `the error summary on ${page.url()} has no link ${what} (${pattern}); its links are ` +
      `${JSON.stringify(links.map((l) => l.text))}`,
  );
  return hit.locator;
}

test('the counter: issue to a new borrower, take back, check, lend again', { timeout: 600_000 }, async (t) => {
  const server = await startServer();
  const browser = await launchBrowser();

  // Anything a user would notice going wrong outside the assertions: a 5xx, a script error.
  const serverErrors = [];
  const scriptErrors = [];
  const newPage = async () => {
    const context = await browser.newContext();
    context.setDefaultTimeout(TIMEOUT);
    context.setDefaultNavigationTimeout(TIMEOUT);
    const page = await context.newPage();
    page.on('response', (res) => {
      if (res.status() >= 500) serverErrors.push(`${res.status()} ${res.request().method()} ${res.url()}`);
    });
    page.on('pageerror', (err) => scriptErrors.push(`${page.url()}: ${err.message}`));
    return page;
  };

  let anyFailed = false;
  t.after(async () => {
    await browser.close().catch(() => {});
    await server.stop({ keepData: anyFailed && Boolean(process.env.E2E_KEEP_DATA) });
    if (anyFailed) {
      const file = await saveText('server.log', server.logs());
      const tail = server.logs().split('\n').slice(-40).join('\n');
      console.error(`--- lendhub output, last 40 lines (all of it in ${file}) ---\n${tail}`);
    }
  });

  // Steps run in order; each names the steps it needs (default: all before it).
  const outcome = new Map();
  const step = async (id, name, fn, { needs } = {}) => {
    const missing = (needs ?? [...outcome.keys()]).filter((k) => outcome.get(k) !== 'pass');
    if (missing.length > 0) {
      outcome.set(id, 'skip');
      await t.test(`${id}. ${name}`, { skip: `needs step ${missing.join(', ')}` });
      return;
    }
    await t.test(`${id}. ${name}`, { timeout: 120_000 }, async () => {
      try {
        await fn();
        outcome.set(id, 'pass');
      } catch (err) {
        outcome.set(id, 'fail');
        anyFailed = true;
        const pages = browser.contexts().flatMap((c) => c.pages());
        const saved = [];
        for (const [i, p] of pages.entries()) {
          saved.push(...(await saveArtifacts(p, `counter-step-${id}-page-${i}`)));
        }
        if (saved.length) err.message += `\n(saved: ${saved.join(', ')})`;
        throw err;
      }
    });
  };

  const page = await newPage();
  let tag = null;
  const tagHeading = () => new RegExp(`(^|\\s)${escapeRegExp(tag)}(\\s|$)`);

  await step(1, 'sets up, adds a hub and a laptop with its accessories', async () => {
    assert.ok(server.setupUrl, 'the server printed no setup link');
    await page.goto(server.setupUrl);
    const org = await field(page, 'Organisation name', { tag: 'input' });
    const prefix = await field(page, 'Asset tag prefix', { tag: 'input' });
    const name = await field(page, 'Your name', { tag: 'input' });
    const email = await field(page, 'Email address', { tag: 'input' });
    const password = await field(page, 'Password', { tag: 'input' });
    const create = await button(page, 'Create account');
    await expectNoAxeViolations(page, 'the setup page');

    await org.fill(ORG);
    await prefix.fill(PREFIX);
    await name.fill(ADMIN.name);
    await email.fill(ADMIN.email);
    await password.fill(ADMIN.password);
    await create.click();
    await expectH1(page, 'Devices');
    await expectNoAxeViolations(page, 'the Devices page');

    await page.goto(`${server.baseUrl}/hubs`);
    await expectH1(page, 'Hubs');
    await (await field(page, 'Name', { tag: 'input' })).fill(HUB.name);
    await (await field(page, 'Address', { tag: 'textarea' })).fill(HUB.address);
    await (await button(page, 'Add hub')).click();
    const listed = page.locator(':is(ul, ol, table) :is(li, td, th)', { hasText: HUB.name });
    try {
      await listed.first().waitFor({ timeout: TIMEOUT });
    } catch {
      assert.fail(`"${HUB.name}" does not appear in a list or table on ${page.url()} after "Add hub"`);
    }
    await expectNoAxeViolations(page, 'the Hubs page with one hub');

    await page.goto(`${server.baseUrl}/devices/new`);
    const kind = await field(page, 'Kind', { tag: 'select' });
    await expectNoAxeViolations(page, 'the add-device form');
    await kind.selectOption({ label: LAPTOP.kind });
    await (await field(page, 'Make')).fill(LAPTOP.make);
    await (await field(page, 'Model')).fill(LAPTOP.model);
    await (await field(page, 'Serial number')).fill(LAPTOP.serial);
    const hub = await field(page, 'Home hub', { tag: 'select' });
    const hubs = await hub.evaluate((el) => [...el.options].map((o) => o.label.trim()));
    assert.ok(hubs.includes(HUB.name), `"Home hub" should offer "${HUB.name}"; it offers ${JSON.stringify(hubs)}`);
    await hub.selectOption({ label: HUB.name });
    await (await field(page, 'Accessories', { tag: 'input' })).fill(LAPTOP.accessories);
    await (await button(page, 'Add device')).click();

    const heading = await expectH1(page, TAG_PATTERN);
    tag = heading.match(TAG_PATTERN)[0];
  });

  await step(2, 'the QR link opens the device page, available, with "Lend it out"', async () => {
    await page.goto(`${server.baseUrl}/d/${tag}`);
    await expectH1(page, tagHeading());
    await expectStatus(page, 'Available');
    const lend = await link(page, 'Lend it out');
    await expectNoAxeViolations(page, `the page of ${tag}, available`);
    await lend.click();
  });

  await step(3, 'searching finds no such borrower; offers to add one', async () => {
    await expectH1(page, 'Who is borrowing it?');
    const search = await field(page, 'Find the borrower', { tag: 'input' });
    const find = await button(page, 'Find');
    await expectNoAxeViolations(page, 'the choose-a-borrower page');

    await search.fill('Siân');
    await find.click();
    const none = (await mainOf(page)).getByText(/No borrower matches/);
    try {
      await none.first().waitFor({ timeout: TIMEOUT });
    } catch {
      assert.fail(`searching "Siân" on ${page.url()} does not say "No borrower matches"; it shows:\n${await mainText(page)}`);
    }
    await expectH1(page, 'Who is borrowing it?');
    await expectNoAxeViolations(page, 'the choose-a-borrower page with no match');
    await (await link(page, 'Add a new borrower')).click();
  });

  await step(4, 'adds the borrower: refused without consent, then added', async () => {
    await expectH1(page, 'Add a borrower');
    const name = await field(page, 'Full name', { tag: 'input' });
    const phone = await field(page, 'Phone number (optional)', { tag: 'input' });
    await field(page, 'Email address (optional)', { tag: 'input' });
    await field(page, 'Postal address (optional)');
    const postcode = await field(page, 'Postcode (optional)', { tag: 'input' });
    await choice(page, await mainOf(page), 'checkbox', 'They would rather be phoned than emailed', 'on the form');
    const barriers = await group(page, 'What stops them getting online? (optional)');
    for (const b of ['No device', 'No internet connection', 'Skills or confidence']) {
      await choice(page, barriers, 'checkbox', b, 'under "What stops them getting online? (optional)"');
    }
    await choice(page, await mainOf(page), 'checkbox', 'They need large print', 'on the form');
    const consent = await field(page, CONSENT_LABEL, { tag: 'input' });
    assert.equal(await consent.getAttribute('type'), 'checkbox', `"${CONSENT_LABEL}…" should be a checkbox`);
    // The consent comes last of the form's fields.
    const lastField = await (await mainOf(page))
      .locator('form')
      .filter({ has: consent })
      .evaluate((form) => {
        const controls = [...form.querySelectorAll('input, select, textarea')].filter((el) => el.type !== 'hidden');
        return controls.at(-1)?.id ?? null;
      });
    assert.equal(lastField, await consent.getAttribute('id'), 'the consent checkbox should be the last field of the form');
    await button(page, 'Add the borrower');
    await expectNoAxeViolations(page, 'the add-borrower form');

    await name.fill(BORROWER.name);
    await phone.fill(BORROWER.phone);
    await postcode.fill(BORROWER.postcode);
    await (await choice(page, barriers, 'checkbox', 'No device', 'under "What stops them getting online?"')).check();
    await (await button(page, 'Add the borrower')).click();

    // Refused without consent.
    await expectSummaryLink(page, /\b(keep|keeping)\b.*\bdetails\b/i, 'mentioning keeping their details');
    await expectH1(page, 'Add a borrower');
    const consentAgain = await field(page, CONSENT_LABEL, { tag: 'input' });
    assert.equal(
      await consentAgain.getAttribute('aria-invalid'),
      'true',
      'the consent checkbox should be aria-invalid="true" after sending without it',
    );
    assert.equal(await (await field(page, 'Full name')).inputValue(), BORROWER.name, 'the typed name should still be in "Full name"');
    await expectNoAxeViolations(page, 'the add-borrower form refused without consent');

    await consentAgain.check();
    await (await button(page, 'Add the borrower')).click();
  });

  await step(5, 'how long and what goes with it: a due date filled in, both accessories ticked', async () => {
    await expectH1(page, `Lend to ${BORROWER.name}`);
    const due = await field(page, 'Date it is due back', { tag: 'input' });
    const dueValue = await due.inputValue();
    assert.match(dueValue, /^\d{4}-\d{2}-\d{2}$/, `"Date it is due back" should be filled in as YYYY-MM-DD; it holds "${dueValue}"`);
    const accessories = await group(page, 'Accessories handed over');
    for (const a of ['charger', 'sleeve']) {
      const box = await choice(page, accessories, 'checkbox', a, 'under "Accessories handed over"');
      assert.ok(await box.isChecked(), `"${a}" should be ticked under "Accessories handed over"`);
    }
    const go = await button(page, 'Continue');
    await expectNoAxeViolations(page, `the lend-to-${BORROWER.name} form`);
    await go.click();
  });

  await step(6, 'check before lending shows the borrower, the due date in words and the accessories', async () => {
    await expectH1(page, 'Check before lending');
    await expectInMain(page, BORROWER.name);
    await expectInMain(page, LONG_DATE, 'the due date written like "12 March 2027"');
    await expectInMain(page, 'charger, sleeve');
    const lend = await button(page, 'Lend the device');
    await expectNoAxeViolations(page, 'the check-before-lending page');
    await lend.click();
  });

  await step(7, 'the loan page, and the device page showing it on loan', async () => {
    const heading = await expectH1(page, new RegExp(`^Loan of ${escapeRegExp(tag)}\\b`));
    assert.ok(heading.includes(BORROWER.name), `the loan's h1 "${heading}" should name ${BORROWER.name}`);
    await expectStatus(page, 'On loan');
    await expectNoAxeViolations(page, 'the loan page');

    await page.goto(`${server.baseUrl}/d/${tag}`);
    await expectH1(page, tagHeading());
    await expectInMain(page, 'On loan to');
    await expectStatus(page, 'On loan');
    const takeBack = await link(page, 'Take it back');
    await expectNoAxeViolations(page, `the page of ${tag}, on loan`);
    await takeBack.click();
  });

  await step(8, 'takes it back: fair, without the sleeve, with a note', async () => {
    await expectH1(page, 'Take the device back');
    const condition = await group(page, 'What condition is it in?');
    for (const c of ['New', 'Good', 'Fair', 'Poor']) {
      await choice(page, condition, 'radio', c, 'under "What condition is it in?"');
    }
    const back = await group(page, 'Accessories brought back');
    const notes = await field(page, 'Notes (optional)', { tag: 'textarea' });
    const record = await button(page, 'Record the return');
    await expectNoAxeViolations(page, 'the take-back form');

    await (await choice(page, condition, 'radio', 'Fair', 'under "What condition is it in?"')).check();
    await (await choice(page, back, 'checkbox', 'sleeve', 'under "Accessories brought back"')).uncheck();
    await notes.fill('Scuffed lid');
    await record.click();
  });

  await step(9, 'the device awaits its checks and cannot be lent yet', async () => {
    await expectH1(page, tagHeading());
    await expectStatus(page, 'Awaiting checks');
    const checks = await link(page, 'Record the checks');
    const lend = page.getByRole('link', { name: 'Lend it out', exact: true });
    assert.equal(await lend.count(), 0, `${page.url()} offers "Lend it out" while the device awaits its checks`);
    await expectNoAxeViolations(page, `the page of ${tag}, awaiting checks`);
    await checks.click();
  });

  await step(10, 'records the checks: refused with nothing ticked, then recorded', async () => {
    await expectH1(page, 'Record the checks');
    await field(page, 'The data on it has been wiped', { tag: 'input' });
    await field(page, 'How was it wiped?', { tag: 'select' });
    await group(page, 'Are all its accessories there?');
    await group(page, 'What condition is it in?');
    await expectNoAxeViolations(page, 'the checks form');

    await (await button(page, 'Record the checks')).click();
    await expectSummaryLink(page, /Wipe the device[’']s data/i, 'about wiping the data');
    await expectH1(page, 'Record the checks');
    await expectNoAxeViolations(page, 'the checks form refused with nothing ticked');

    await (await field(page, 'The data on it has been wiped', { tag: 'input' })).check();
    const method = await field(page, 'How was it wiped?', { tag: 'select' });
    const labels = await method.evaluate((el) => [...el.options].map((o) => o.label.trim()));
    const windows = labels.find((l) => l.startsWith('Windows'));
    assert.ok(windows, `"How was it wiped?" should offer a Windows method; it offers ${JSON.stringify(labels)}`);
    await method.selectOption({ label: windows });
    const complete = await group(page, 'Are all its accessories there?');
    await (await choice(page, complete, 'radio', 'No, something is missing', 'under "Are all its accessories there?"')).check();
    const condition = await group(page, 'What condition is it in?');
    await (await choice(page, condition, 'radio', 'Fair', 'under "What condition is it in?"')).check();
    await (await button(page, 'Record the checks')).click();
  });

  await step(11, 'available again, with its history and loans; the borrower page shows the loan', async () => {
    await expectH1(page, tagHeading());
    await expectStatus(page, 'Available');
    await link(page, 'Lend it out');

    const history = page.getByRole('heading', { name: /history/i }).first();
    try {
      await history.waitFor({ timeout: TIMEOUT });
    } catch {
      assert.fail(`the page of ${tag} has no heading naming its history`);
    }
    const historyText = await sectionText(history);
    for (const entry of ['Lent out by', 'Taken back by', 'Data wiped and checked by']) {
      assert.match(historyText, new RegExp(escapeRegExp(entry)), `the history of ${tag} should list "${entry}"; it says:\n${historyText}`);
    }

    const loans = (await mainOf(page)).getByRole('table', { name: /loans/i });
    try {
      await loans.first().waitFor({ timeout: TIMEOUT });
    } catch {
      assert.fail(`the page of ${tag} has no table named for its loans`);
    }
    const row = loans.first().getByRole('row').filter({ hasText: BORROWER.name });
    assert.equal(await row.count(), 1, `the Loans table of ${tag} should have one row for ${BORROWER.name}:\n${await loans.first().innerText()}`);
    assert.match(await row.innerText(), /\bReturned\b/, `the loan to ${BORROWER.name} should show "Returned": ${await row.innerText()}`);
    await expectNoAxeViolations(page, `the page of ${tag}, available again`);

    const borrowerLink = await link(page, BORROWER.name, row);
    const href = await borrowerLink.getAttribute('href');
    await borrowerLink.click();
    try {
      await expectH1(page, BORROWER.name);
    } catch (err) {
      err.message =
        `the link "${BORROWER.name}" in the Loans table of ${tag} (href ${href}) should open the ` +
        `borrower's page:\n${err.message}`;
      throw err;
    }
    await expectInMain(page, BORROWER.postcodeShown, `the postcode "${BORROWER.postcodeShown}"`);
    const theirLoans = (await mainOf(page)).getByRole('table', { name: /loans/i });
    try {
      await theirLoans.first().waitFor({ timeout: TIMEOUT });
    } catch {
      assert.fail(`the page of ${BORROWER.name} (${page.url()}) has no table named for their loans`);
    }
    assert.match(await theirLoans.first().innerText(), new RegExp(escapeRegExp(tag)), `the loans of ${BORROWER.name} should list ${tag}`);
    await expectNoAxeViolations(page, `the page of ${BORROWER.name}`);
  });

  await step(12, 'no request was answered with a 5xx and no page script failed', async () => {
    assert.deepEqual(serverErrors, [], `the server answered with 5xx:\n${serverErrors.join('\n')}`);
    assert.deepEqual(scriptErrors, [], `page scripts threw:\n${scriptErrors.join('\n')}`);
  }, { needs: [] });
});
