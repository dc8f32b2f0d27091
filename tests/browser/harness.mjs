// Helpers for lendhub's browser tests: start the real server on a free port against a fresh SQLite
// database, launch Debian's headless Chromium, and check pages with axe.
//
// Every server started here is a child process of this test run; stop() ends it by its pid, and any
// still alive when the run exits are ended then. Nothing else is touched.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';

import { chromium } from 'playwright-core';
import AxeBuilder from '@axe-core/playwright';

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** Where the lendhub binary is: `LENDHUB_BIN`, else `target/debug/lendhub` in the repository. */
export const LENDHUB_BIN = process.env.LENDHUB_BIN
  ? path.resolve(process.env.LENDHUB_BIN)
  : path.resolve(HERE, '../../target/debug/lendhub');

/** Where failing steps leave screenshots, page HTML and server logs (git-ignored). */
export const ARTIFACTS_DIR = process.env.E2E_ARTIFACTS_DIR
  ? path.resolve(process.env.E2E_ARTIFACTS_DIR)
  : path.join(HERE, 'artifacts');

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** Flags the CI machine needs: root (no sandbox), no GPU, and no attempts to reach outside hosts. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const STARTUP_TIMEOUT_MS = 60_000;
// The setup link may be logged just after the listener is up; wait this much longer for it.
const SETUP_LINK_GRACE_MS = 10_000;
const STOP_TIMEOUT_MS = 10_000;

// A one-time setup link: `/setup?token=<URL-safe base64>`, possibly with `=` padding.
const SETUP_LINK = /\/setup\?token=([A-Za-z0-9_-]+={0,2})/;
// tracing may colour its output even into a pipe; strip that before searching or showing logs.
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;

const liveChildren = new Set();
process.once('exit', () => {
  for (const child of liveChildren) {
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Start `lendhub serve` on a free port with a new, empty database in a new temp directory.
 *
 * Resolves once `GET /healthz` answers 200 and the one-time setup link has been printed, to
 * `{ baseUrl, setupUrl, dataDir, pid, logs(), stop() }`. `setupUrl` points at this server
 * whatever host the server itself printed.
 */
export async function startServer({ env = {}, requireSetupLink = true } = {}) {
  if (!existsSync(LENDHUB_BIN)) {
    throw new Error(
      `lendhub binary not found at ${LENDHUB_BIN}: run \`cargo build\` first, or set LENDHUB_BIN`,
    );
  }
  const port = await freePort();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'lendhub-e2e-'));
  const baseUrl = `http://127.0.0.1:${port}`;

  const child = spawn(LENDHUB_BIN, ['serve'], {
    // Run in the temp directory so no stray lendhub.toml or lendhub.db is picked up.
    cwd: dataDir,
    env: {
      ...process.env,
      LENDHUB_DATABASE_URL: `sqlite://${dataDir}/lendhub.db?mode=rwc`,
      LENDHUB_BIND: `127.0.0.1:${port}`,
      LENDHUB_PUBLIC_URL: baseUrl,
      RUST_LOG: 'info',
      NO_COLOR: '1',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  liveChildren.add(child);

  let output = '';
  const collect = (chunk) => {
    output += chunk.toString('utf8').replace(ANSI, '');
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);

  let exited = null;
  const exitPromise = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      liveChildren.delete(child);
      resolve(exited);
    });
    child.once('error', (err) => {
      exited = { code: null, signal: null, error: err };
      liveChildren.delete(child);
      resolve(exited);
    });
  });

  const logs = () => output;

  const stop = async ({ keepData = Boolean(process.env.E2E_KEEP_DATA) } = {}) => {
    if (exited === null && child.pid !== undefined) {
      try {
        process.kill(child.pid, 'SIGTERM');
      } catch {
        // exited in the meantime
      }
      const timedOut = await Promise.race([
        exitPromise.then(() => false),
        sleep(STOP_TIMEOUT_MS).then(() => true),
      ]);
      if (timedOut && exited === null) {
        try {
          process.kill(child.pid, 'SIGKILL');
        } catch {
          // exited in the meantime
        }
        await exitPromise;
      }
    }
    if (!keepData) {
      await rm(dataDir, { recursive: true, force: true });
    }
  };

  const fail = async (why) => {
    await stop({ keepData: true });
    const tail = output.split('\n').slice(-60).join('\n');
    throw new Error(`${why}\n--- lendhub output (last 60 lines) ---\n${tail}`);
  };

  // Wait for the listener.
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  let healthy = false;
  let lastProblem = 'no answer yet';
  while (Date.now() < deadline) {
    if (exited !== null) {
      return fail(
        `lendhub serve exited before it was healthy (code ${exited.code}, signal ${exited.signal}` +
          `${exited.error ? `, ${exited.error.message}` : ''})`,
      );
    }
    try {
      const res = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (res.status === 200) {
        healthy = true;
        break;
      }
      lastProblem = `GET /healthz answered ${res.status}`;
    } catch (err) {
      lastProblem = err.cause?.code ?? err.message;
    }
    await sleep(200);
  }
  if (!healthy) {
    return fail(`lendhub serve was not healthy within ${STARTUP_TIMEOUT_MS / 1000} s (${lastProblem})`);
  }

  // Find the one-time setup link in what it printed.
  let setupUrl = null;
  const linkDeadline = Math.max(deadline, Date.now()) + SETUP_LINK_GRACE_MS;
  for (;;) {
    const match = SETUP_LINK.exec(output);
    if (match) {
      setupUrl = `${baseUrl}/setup?token=${match[1]}`;
      break;
    }
    if (!requireSetupLink || Date.now() > linkDeadline || exited !== null) break;
    await sleep(200);
  }
  if (requireSetupLink && setupUrl === null) {
    return fail('lendhub serve printed no line containing `/setup?token=<token>` on its first run');
  }

  return { baseUrl, setupUrl, dataDir, pid: child.pid, logs, stop };
}

/** Debian's Chromium, headless, with the flags the CI machine needs. */
export async function launchBrowser(options = {}) {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    ...options,
  });
}

/**
 * Run axe on the page as it is now and fail, listing each violation, when there is any.
 * `label` says which page this was in the failure message.
 */
export async function expectNoAxeViolations(page, label = '') {
  const results = await new AxeBuilder({ page }).analyze();
  const { violations } = results;
  if (violations.length === 0) return results;
  const where = `${label ? `${label} ` : ''}(${page.url()})`;
  const lines = violations.map((v) => {
    const targets = v.nodes
      .map((n) => `      - ${JSON.stringify(n.target)}${n.failureSummary ? `: ${oneLine(n.failureSummary)}` : ''}`)
      .join('\n');
    return `  * ${v.id} [${v.impact ?? 'n/a'}]: ${v.help} (${v.helpUrl})\n${targets}`;
  });
  assert.fail(`axe found ${violations.length} violation(s) on ${where}:\n${lines.join('\n')}`);
}

function oneLine(text) {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

/** Save a screenshot and the HTML of `page` under ARTIFACTS_DIR; returns the paths written. */
export async function saveArtifacts(page, name) {
  const safe = name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80);
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  const png = path.join(ARTIFACTS_DIR, `${safe}.png`);
  const html = path.join(ARTIFACTS_DIR, `${safe}.html`);
  const written = [];
  try {
    await page.screenshot({ path: png, fullPage: true, timeout: 5_000 });
    written.push(png);
  } catch {
    // the page may be gone
  }
  try {
    await writeFile(html, `<!-- ${page.url()} -->\n${await page.content()}`);
    written.push(html);
  } catch {
    // the page may be gone
  }
  return written;
}

/** Write text (e.g. the server's logs) under ARTIFACTS_DIR. */
export async function saveText(name, text) {
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  const file = path.join(ARTIFACTS_DIR, name);
  await writeFile(file, text);
  return file;
}
