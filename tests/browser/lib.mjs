// What every browser script shares: the environment, ok / bad / check / step
// with the counts tests/e2e/browser_lib.sh adds to its own, Debian's headless
// Chromium, logging in, screenshots and a CSV reader.
//
// Screenshots: each script writes only files whose names start with its own
// file name (web.mjs: web-*.png), so scripts running at the same time never
// touch each other's pictures; shot() refuses any other name.
import path from 'node:path';
import { chromium } from 'playwright-core';

export const env = process.env;
export const base = env.WL_URL;
const SHOT_PREFIX = path.basename(process.argv[1], '.mjs');
let passed = 0;
let failed = 0;

export function ok(name) {
  passed++;
  console.log(`ok   - ${name}`);
}

export function bad(name, detail) {
  failed++;
  console.log(`FAIL - ${name}`);
  if (detail) console.log(`       ${String(detail).split('\n').slice(0, 3).join(' / ')}`);
}

export function check(name, cond, detail) {
  if (cond) ok(name);
  else bad(name, detail);
}

// Runs one step; a thrown error (a timeout, a missing element) fails it.
export async function step(name, fn) {
  try {
    await fn();
  } catch (e) {
    bad(name, e.message);
  }
}

// A fresh persistent Chromium profile ($WL_PROFILE) and its first page.
export async function launch(options = {}) {
  const context = await chromium.launchPersistentContext(env.WL_PROFILE, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 900 },
    ...options,
  });
  const page = context.pages()[0] || await context.newPage();
  page.setDefaultTimeout(15000);
  return { context, page };
}

// Script errors and CSP violations, collected for a final check. With
// allow4xx a 4xx answer (a refused login, a validation error) is an
// expected page, not an error.
export function watchConsole(page, { allow4xx = false } = {}) {
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    if (allow4xx && m.text().startsWith('Failed to load resource: the server '
                                        + 'responded with a status of 4')) return;
    errors.push(m.text());
  });
  return errors;
}

// The addresses of answers whose body holds one of the secrets.
export function watchLeaks(page, secrets) {
  const leaks = [];
  page.on('response', async (r) => {
    try {
      const body = await r.text();
      for (const secret of secrets) {
        if (body.includes(secret)) leaks.push(r.url());
      }
    } catch (e) { /* redirects have no body */ }
  });
  return leaks;
}

// Fills the login form at `${base}${from}` and waits for /sources.
export async function logIn(page, from) {
  await page.goto(`${base}${from}`);
  await page.fill('#user', env.WL_USER);
  await page.fill('#password', env.WL_PASSWORD);
  await Promise.all([page.waitForURL(`${base}/sources`), page.click('button[type=submit]')]);
}

// A screenshot of a page (whole) or of an element, as $SHOTS/FILE.
export async function shot(target, file) {
  if (!file.startsWith(SHOT_PREFIX)) throw new Error(`screenshot ${file} lacks the prefix ${SHOT_PREFIX}`);
  const whole = typeof target.goto === 'function' ? { fullPage: true } : {};
  await target.screenshot({ path: `${env.SHOTS}/${file}`, ...whole });
}

// Closes the browser, prints the counts and exits 1 when a check failed.
export async function finish(context) {
  await context.close();
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}

// RFC 4180 rows of a CSV text (quoted fields with "" inside; CRLF or LF).
export function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; }
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(field); field = ''; }
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field); rows.push(row); row = []; field = '';
    } else field += c;
  }
  if (field !== '' || row.length) { row.push(field); rows.push(row); }
  return rows;
}
