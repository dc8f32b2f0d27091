// A newcomer's first visit, driven through headless Chromium against the real lendhub binary:
// set up the organisation, sign out and in, add a hub and a device, see the form's errors, find
// the device by its tag, and follow a QR label link while signed out.
//
// Each numbered step is a subtest; a step whose prerequisites failed is skipped, not run against a
// page it does not expect. Failing steps leave a screenshot and the page's HTML in artifacts/.

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
const LAPTOP = { kind: 'Laptop', make: 'Lenovo', model: 'ThinkPad T480', serial: 'PF1ABC23' };
const TAG_PATTERN = new RegExp(`${PREFIX}-\\d{5}`);

const escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The form control labelled `label`. The label must start with that text (so "Password" does not
 * find "Confirm password"); a hint or error message after it in the same label is tolerated.
 * Fails with a clear message when there is no such control, or when it is not a `tag`.
 */
async function field(page, label, { tag } = {}) {
  const control = page.getByLabel(new RegExp(`^\\s*${escapeRegExp(label)}\\b`));
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

/** The button with exactly this accessible name. */
async function button(page, name) {
  const b = page.getByRole('button', { name, exact: true });
  try {
    await b.first().waitFor({ timeout: TIMEOUT });
  } catch {
    assert.fail(`no button "${name}" on ${page.url()}`);
  }
  return b;
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

async function waitForPath(page, endsWith) {
  try {
    await page.waitForURL((url) => url.pathname.endsWith(endsWith), { timeout: TIMEOUT });
  } catch {
    assert.fail(
      `expected to land on a URL ending ${endsWith}; at ${page.url()} with h1s ` +
        `${JSON.stringify(await h1Texts(page))}`,
    );
  }
}

async function expectSignInPage(page) {
  await expectH1(page, 'Sign in');
  await field(page, 'Email address', { tag: 'input' });
  await field(page, 'Password', { tag: 'input' });
  await button(page, 'Sign in');
}

async function signIn(page, { email, password }) {
  await (await field(page, 'Email address')).fill(email);
  await (await field(page, 'Password')).fill(password);
  await (await button(page, 'Sign in')).click();
}

/** The page's main landmark, or the body when there is none (axe reports that separately). */
async function mainOf(page) {
  return (await page.locator('main').count()) === 1 ? page.locator('main') : page.locator('body');
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

/** Fill the add-device form; `values.model` may be '' to leave it empty. */
async function fillDeviceForm(page, values, hubName) {
  const kind = await field(page, 'Kind', { tag: 'select' });
  const kinds = await kind.evaluate((el) => [...el.options].map((o) => o.label.trim()));
  for (const k of ['Laptop', 'Tablet', 'MiFi']) {
    assert.ok(kinds.includes(k), `"Kind" should offer ${k}; it offers ${JSON.stringify(kinds)}`);
  }
  await kind.selectOption({ label: values.kind });
  await (await field(page, 'Make')).fill(values.make);
  await (await field(page, 'Model')).fill(values.model);
  await (await field(page, 'Serial number')).fill(values.serial);
  const hub = await field(page, 'Home hub', { tag: 'select' });
  const hubs = await hub.evaluate((el) => [...el.options].map((o) => o.label.trim()));
  assert.ok(hubs.includes(hubName), `"Home hub" should offer "${hubName}"; it offers ${JSON.stringify(hubs)}`);
  await hub.selectOption({ label: hubName });
}

test('a newcomer sets up, adds a device and finds it by its tag', { timeout: 300_000 }, async (t) => {
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
          saved.push(...(await saveArtifacts(p, `step-${id}-page-${i}`)));
        }
        if (saved.length) err.message += `\n(saved: ${saved.join(', ')})`;
        throw err;
      }
    });
  };

  const page = await newPage();
  let tag = null;

  await step(1, 'sets up the organisation and lands signed in on Devices', async () => {
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
    await button(page, 'Sign out');
    await expectNoAxeViolations(page, 'the Devices page');
  });

  await step(2, 'signs out, and back in with the same credentials', async () => {
    await (await button(page, 'Sign out')).click();
    await expectSignInPage(page);
    await expectNoAxeViolations(page, 'the sign-in page');

    await signIn(page, ADMIN);
    await expectH1(page, 'Devices');
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

    await (await field(page, 'Name', { tag: 'input' })).fill(HUB.name);
    await (await field(page, 'Address', { tag: 'textarea' })).fill(HUB.address);
    await (await button(page, 'Add hub')).click();

    // The new hub shows up in the page's list (a list or a table), not just in the form.
    const listed = page.locator(':is(ul, ol, table) :is(li, td, th)', { hasText: HUB.name });
    try {
      await listed.first().waitFor({ timeout: TIMEOUT });
    } catch {
      assert.fail(`"${HUB.name}" does not appear in a list or table on ${page.url()} after "Add hub"`);
    }
    await expectH1(page, 'Hubs');
    await expectNoAxeViolations(page, 'the Hubs page with one hub');
  });

  await step(4, 'adds a laptop and lands on its page, with its tag, status and history', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'Devices', exact: true }).click();
    await expectH1(page, 'Devices');
    await page.getByRole('link', { name: 'Add a device', exact: true }).click();
    await field(page, 'Kind');
    await expectNoAxeViolations(page, 'the add-device form');

    await fillDeviceForm(page, LAPTOP, HUB.name);
    await (await button(page, 'Add device')).click();

    const heading = await expectH1(page, TAG_PATTERN);
    tag = heading.match(TAG_PATTERN)[0];

    const main = await mainOf(page);
    try {
      await main.getByText(/\bAvailable\b/).filter({ visible: true }).first().waitFor({ timeout: TIMEOUT });
    } catch {
      assert.fail(`the page of ${tag} (${page.url()}) does not show the status "Available"`);
    }
    for (const text of [LAPTOP.make, LAPTOP.model, LAPTOP.serial]) {
      assert.match(await main.innerText(), new RegExp(escapeRegExp(text)), `the device page should show "${text}"`);
    }

    const history = page.getByRole('heading', { name: /history/i }).first();
    try {
      await history.waitFor({ timeout: TIMEOUT });
    } catch {
      assert.fail(`the page of ${tag} has no heading naming its history`);
    }
    const historyText = await sectionText(history);
    assert.match(historyText, /\badded\b/i, `the history of ${tag} should record it being added; it says:\n${historyText}`);

    await expectNoAxeViolations(page, `the page of ${tag}`);
  });

  await step(5, 'shows an error summary when the model is missing', async () => {
    await page.goto(`${server.baseUrl}/devices/new`);
    await fillDeviceForm(page, { ...LAPTOP, kind: 'Tablet', make: 'Apple', model: '', serial: 'DMPX0001' }, HUB.name);
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

  await step(7, 'a QR label link signs a stranger in and lands on the device', async () => {
    const stranger = await newPage();
    await stranger.goto(`${server.baseUrl}/d/${tag}`);
    await expectSignInPage(stranger);
    await signIn(stranger, ADMIN);
    await expectH1(stranger, new RegExp(escapeRegExp(tag)));
    await stranger.context().close();
  }, { needs: [4] });

  await step(8, 'no request was answered with a 5xx and no page script failed', async () => {
    assert.deepEqual(serverErrors, [], `the server answered with 5xx:\n${serverErrors.join('\n')}`);
    assert.deepEqual(scriptErrors, [], `page scripts threw:\n${scriptErrors.join('\n')}`);
  }, { needs: [] });
});
