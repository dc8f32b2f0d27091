// Every page each role's navigation reaches, on demo data, at a phone's width (360 × 740) and a
// desktop's (1280 × 800): signed in as admin, coordinator, hub staff and trainer, the crawl opens
// each navigation link and one page of each kind linked from there (a device, a borrower, a loan,
// a session, ...), and the next page of every list that has one. Each page must pass axe with no
// violations, be no wider than the window, and show nothing a person would stumble on (text
// squeezed into a narrow column, "None", "1 sessions", targets too small and too close: see
// looks.mjs). Error pages (404, 403) keep the navigation, so nobody is stranded.
// A screenshot of the top of every page is written under ARTIFACTS_DIR/crawl (the CI log prints
// where).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';

import {
  ADMIN,
  ARTIFACTS_DIR,
  LENDHUB_BIN,
  expectNoAxeViolations,
  setUp,
  signIn,
  startRun,
} from './harness.mjs';
import { lookProblems } from './looks.mjs';

const SIZES = [
  { name: 'phone', width: 360, height: 740 },
  { name: 'desktop', width: 1280, height: 800 },
];
const PASSWORD = 'correct horse battery staple';
const ROLES = [
  { role: 'admin', email: ADMIN.email, password: ADMIN.password },
  { role: 'coordinator', email: 'cora@example.org', name: 'Cora Coordinator' },
  // Hub staff work at the hubs an admin assigns: Hugh at one of the demo's five.
  { role: 'hub_staff', email: 'hugh@example.org', name: 'Hugh Hubstaff', hubs: ['Whitechapel Community Hub'] },
  { role: 'trainer', email: 'tina@example.org', name: 'Tina Trainer' },
];

/** A link's path with its ids replaced, so one page of each kind is visited; a list's next page
 * is a kind of its own, so every list is walked past its first page. */
const kindOf = (href) => {
  const paged = /[?&](cursor|before|after)=/.test(href) ? ' (next page)' : '';
  return `${href
    .replace(/[A-Z]{2,6}-\d+/g, ':tag')
    .replace(/\/\d+/g, '/:id')
    .replace(/\?.*$/, '')}${paged}`;
};

/** Pages that do not exist, and one a trainer may not see: each must keep the navigation. */
const ERRORS = [
  { href: '/devices/TCH-99999', status: 404 },
  { href: '/loans/99999999', status: 404 },
  { href: '/training/sessions/99999999', status: 404 },
];

// Links marked `download` (a person's ZIP) are files, not pages, and are left out too.
const SKIP = /\.(pdf|ics|csv)(\?|$)|^\/logout|^\/assets\/|#/;

test('every page each role reaches fits a phone and a desktop and passes axe', { timeout: 900_000 }, async (t) => {
  const { server, newPage, step, expectNoServerOrScriptErrors } = await startRun(t, { artifactPrefix: 'crawl-' });
  const shots = path.join(ARTIFACTS_DIR, 'crawl');
  await mkdir(shots, { recursive: true });
  console.log(`# crawl screenshots: ${shots}`);
  const env = {
    ...process.env,
    LENDHUB_DATABASE_URL: `sqlite://${server.dataDir}/lendhub.db?mode=rwc`,
    LENDHUB_PASSWORD: PASSWORD,
    RUST_LOG: 'warn',
  };
  const cli = (...args) => execFileSync(LENDHUB_BIN, args, { cwd: server.dataDir, env, encoding: 'utf8' });

  await step(1, 'sets up and fills the database with demo data and a colleague of each role', async () => {
    const page = await newPage();
    await setUp(page, server);
    cli('demo', '--devices', '120', '--loans', '60');
    for (const { role, email, name, hubs = [] } of ROLES.slice(1)) {
      cli('user', 'create', '--email', email, '--name', name, '--role', role, ...hubs.flatMap((hub) => ['--hub', hub]));
    }
    cli('reminders', 'run');
  });

  for (const [n, who] of ROLES.entries()) {
    await step(2 + n, `as ${who.role}: every page at 360 px and 1280 px`, async () => {
      const page = await newPage();
      await page.goto(`${server.baseUrl}/login`);
      await signIn(page, { email: who.email, password: who.password ?? PASSWORD });
      await page.waitForURL((url) => !url.pathname.startsWith('/login'));
      const nav = await page
        .getByRole('navigation', { name: 'Main' })
        .getByRole('link')
        .evaluateAll((links) => links.map((a) => new URL(a.href).pathname));
      assert.ok(nav.length >= 2, `the ${who.role}'s navigation has links: ${nav}`);
      // The pages to visit: the navigation, then one of each kind linked from those pages, and
      // one of each kind linked from those in turn (a device, its loan, the loan's forms...).
      const toVisit = [...nav];
      const kinds = new Set(nav.map(kindOf));
      let frontier = [...nav];
      for (let depth = 0; depth < 2; depth += 1) {
        const next = [];
        for (const start of frontier) {
          const response = await page.goto(`${server.baseUrl}${start}`);
          if (!response?.ok()) continue;
          const hrefs = await page
            .locator('main a[href^="/"]:not([download])')
            .evaluateAll((links) => links.map((a) => a.getAttribute('href')));
          for (const href of hrefs) {
            if (SKIP.test(href) || kinds.has(kindOf(href))) continue;
            kinds.add(kindOf(href));
            next.push(href);
          }
        }
        toVisit.push(...next);
        frontier = next;
      }
      const problems = [];
      for (const size of SIZES) {
        await page.setViewportSize({ width: size.width, height: size.height });
        for (const href of toVisit) {
          const response = await page.goto(`${server.baseUrl}${href}`);
          const status = response?.status() ?? 0;
          if (status >= 400) {
            problems.push(`${href}: answered ${status}`);
            continue;
          }
          const { scrollWidth, innerWidth } = await page.evaluate(() => ({
            scrollWidth: document.documentElement.scrollWidth,
            innerWidth: window.innerWidth,
          }));
          if (scrollWidth > innerWidth) {
            problems.push(`${href} at ${size.width} px: ${scrollWidth} px wide`);
          }
          try {
            await expectNoAxeViolations(page, `${href} as ${who.role} at ${size.width} px`);
          } catch (error) {
            problems.push(error.message);
          }
          problems.push(...(await lookProblems(page, `${href} at ${size.width} px`)));
          const slug = `${who.role}-${size.name}-${href.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'home'}`;
          await page.screenshot({ path: path.join(shots, `${slug}.png`) });
        }
      }
      // A trainer may not see loans or staff at all: the role is refused before any row is read.
      const errors = who.role === 'trainer'
        ? [...ERRORS.map((e) => (e.href.startsWith('/loans/') ? { ...e, status: 403 } : e)), { href: '/staff', status: 403 }]
        : ERRORS;
      for (const { href, status } of errors) {
        const response = await page.goto(`${server.baseUrl}${href}`);
        if (response?.status() !== status) problems.push(`${href}: answered ${response?.status()}, not ${status}`);
        const nav = await page.getByRole('navigation', { name: 'Main' }).count();
        if (nav !== 1) problems.push(`${href} (${status}) has no navigation`);
      }
      assert.deepEqual(problems, [], `${problems.length} problems as ${who.role}:\n${problems.join('\n')}`);
      // Each kind of page at two widths, with axe: minutes for an admin on a slow machine.
    }, { timeout: 400_000 });
  }

  expectNoServerOrScriptErrors();
});
