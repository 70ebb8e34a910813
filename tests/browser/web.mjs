// Drives Debian's headless Chromium through the wfmlink web page the way an
// administrator would: log in, add a source, see a validation error, test
// the connection (a wrong token's 401, then the right token), save, watch the
// collector status turn healthy, turn the event stream on (a refused host,
// then the emulator's), log out. Screenshots of each page go to
// $SHOTS/web-NN-*.png. Run by tests/e2e/browser.sh, which starts `wfmlink
// serve` and the emulator and sets the environment below.
//
//   WL_URL       http://127.0.0.1:PORT (wfmlink serve)
//   EMU_API      http://127.0.0.1:PORT2/api/ (wfmlink emulator)
//   EMU_TENANT   EMU_TOKEN   the emulator's tenant and token
//   WL_USER      WL_PASSWORD an account made with `wfmlink user add`
//   SHOTS        directory for the screenshots
//   WL_PROFILE   a fresh, empty Chromium profile directory
//   HEALTHY_WAIT_S  how long to wait for "healthy" (default 50)
import { base, check, env, finish, launch, shot, step, watchConsole, watchLeaks } from './lib.mjs';

const WRONG_TOKEN = 'wrong-token-3e1f0a';
const { context, page } = await launch();
// Every answer the browser gets is checked for the tokens.
const leaks = watchLeaks(page, [env.EMU_TOKEN, WRONG_TOKEN, env.WL_PASSWORD]);
// a 4xx page itself (a refused login, a validation error) is an expected answer
const consoleErrors = watchConsole(page, { allow4xx: true });

await step('login page', async () => {
  await page.goto(`${base}/sources`);
  check('an anonymous visit goes to the login page', page.url().endsWith('/login?next=/sources'),
        page.url());
  check('login page title', (await page.title()) === 'Log in · wfmlink', await page.title());
  await shot(page, 'web-01-login.png');
});

await step('wrong password', async () => {
  await page.fill('#user', env.WL_USER);
  await page.fill('#password', 'not-the-password');
  await page.click('button[type=submit]');
  const msg = await page.textContent('#login-error');
  check('a wrong password is refused in words', msg === 'Wrong user name or password.', msg);
});

await step('log in', async () => {
  await page.fill('#user', env.WL_USER);
  await page.fill('#password', env.WL_PASSWORD);
  await Promise.all([page.waitForURL(`${base}/sources`), page.click('button[type=submit]')]);
  check('logged in, on the sources page', (await page.textContent('h1')) === 'Sources');
  check('the navigation bar names the user', (await page.textContent('.who')) === env.WL_USER);
  await shot(page, 'web-02-sources-empty.png');
});

await step('open the adapter page', async () => {
  await Promise.all([page.waitForURL(`${base}/sources/new`), page.click('text=Add source')]);
  check('adapter page heading',
        (await page.textContent('h1')) === '8x8 Adapter — Establish connections to data sources');
  const legends = await page.$$eval('legend', (ls) => ls.map((l) => l.textContent));
  check('both sections', legends.includes('Real-time adherence integration') &&
        legends.includes('Historical contact volume data collection'), legends.join(' | '));
  check('interval defaults to 10', (await page.inputValue('#interval')) === '10');
  const label = await page.textContent('label[for=interval]');
  check('interval label', label === 'Transaction Collection Interval (seconds)', label);
  await shot(page, 'web-03-adapter-new.png');
});

await step('validation error', async () => {
  await page.fill('#name', 'acme');
  await page.fill('#base_url', env.EMU_API);
  await page.fill('#tenant', env.EMU_TENANT);
  await page.fill('#token', WRONG_TOKEN);
  await page.fill('#interval', '5');
  await page.fill('#timezone', 'America/New_York');
  await Promise.all([page.waitForLoadState('load'), page.click('#save')]);
  await page.waitForSelector('#err-interval:not(:empty)');
  const err = await page.textContent('#err-interval');
  check('the error is beside the interval field, in words',
        err.startsWith('5 is outside 10..3600 seconds'), err);
  check('other values are kept', (await page.inputValue('#base_url')) === env.EMU_API &&
        (await page.inputValue('#tenant')) === env.EMU_TENANT);
  check('the token field is empty again', (await page.inputValue('#token')) === '');
  check('nothing else is marked', (await page.$$('.field .error:not(:empty)')).length === 1);
  await shot(page, 'web-04-validation-error.png');
});

async function testConnection(section) {
  const out = `#result-${section}`;
  await page.click(`button[data-test=${section}]`);
  await page.waitForFunction((sel) => {
    const e = document.querySelector(sel);
    return e && /\b(ok|bad)\b/.test(e.className);
  }, out);
  return page.textContent(out);
}

await step('test connection with a wrong token', async () => {
  await page.fill('#interval', '10');
  await page.fill('#token', WRONG_TOKEN);
  const text = await testConnection('rt');
  check('a wrong token fails with the 401 explained',
        text.startsWith('Connection failed: authentication failed (401)') &&
        text.includes('check the tenant name and the'), text);
  check('the typed token stays in its field', (await page.inputValue('#token')) === WRONG_TOKEN);
  await shot(page, 'web-05-test-connection-401.png');
});

await step('test connection with the right token', async () => {
  await page.fill('#token', env.EMU_TOKEN);
  const rt = await testConnection('rt');
  check('real-time connection OK', rt.startsWith('Connection OK: connected; '), rt);
  const hist = await testConnection('hist');
  check('historical connection OK (real-time token used)',
        hist.startsWith('Connection OK: connected; ') && hist.endsWith('queues'), hist);
  await shot(page, 'web-06-test-connection-ok.png');
});

await step('save', async () => {
  await Promise.all([page.waitForURL(`${base}/source/acme?created=1`), page.click('#save')]);
  const notice = await page.textContent('.notice.ok');
  check('saved', notice.startsWith('Source added.'), notice);
  const hint = await page.textContent('#token ~ .hint');
  check('the page says a token is set, not what it is', hint.startsWith('A token is set (changed '),
        hint);
  check('the token field is empty', (await page.inputValue('#token')) === '');
  await shot(page, 'web-07-saved.png');
});

await step('collector status turns healthy', async () => {
  const limit = Date.now() + 1000 * Number(env.HEALTHY_WAIT_S || 50);
  let state = '';
  await page.goto(`${base}/status`);
  await shot(page, 'web-08-status-waiting.png');
  while (Date.now() < limit) {
    await page.goto(`${base}/status`);
    state = await page.getAttribute('.card[data-source=acme] .badge', 'data-health');
    if (state === 'healthy') break;
    await page.waitForTimeout(2000);
  }
  check('the collector status is healthy', state === 'healthy', `state: ${state}`);
  const rows = await page.$$eval('#runs tbody tr', (trs) => trs.length);
  check('collection runs are listed', rows > 0, `${rows} rows`);
  await shot(page, 'web-09-status-healthy.png');
  await page.goto(`${base}/sources`);
  const badge = await page.textContent('tr[data-source=acme] .badge');
  check('the sources list shows it healthy', badge === 'healthy', badge);
  await shot(page, 'web-10-sources.png');
});

await step('event stream fields', async () => {
  await page.goto(`${base}/source/acme`);
  check('the event stream is off, its host empty', !(await page.isChecked('#stream')) &&
        (await page.inputValue('#stream_host')) === '');
  const hint = await page.textContent('#stream_host ~ .hint');
  check('the host hint says when it may be empty and names the region hosts',
        hint.startsWith('May be left empty when it can be derived from the Base URL') &&
        hint.includes('pulsar-ws-use1.8x8.com US1, pulsar-ws-usw2.8x8.com US2, ' +
                      'pulsar-ws-euw2.8x8.com UK3'), hint);
  await page.check('#stream');
  await page.fill('#stream_host', 'ws://stream.example.com');
  await Promise.all([page.waitForLoadState('load'), page.click('#save')]);
  await page.waitForSelector('#err-stream_host:not(:empty)');
  const err = await page.textContent('#err-stream_host');
  check('a refused stream host is explained beside its field',
        err === "'ws://stream.example.com': plain ws:// only to 127.0.0.1 or localhost; use wss://",
        err);
  check('nothing else is marked', (await page.$$('.field .error:not(:empty)')).length === 1);
  check('the box stays ticked', await page.isChecked('#stream'));
  await shot(page, 'web-11-stream-host-error.png');
  // the emulator serves the stream on its own host and port
  const host = env.EMU_API.replace(/^http:/, 'ws:').replace(/\/api\/$/, '');
  await page.fill('#stream_host', host);
  await Promise.all([page.waitForURL(`${base}/source/acme?saved=1`), page.click('#save')]);
  check('saved with the event stream on', await page.isChecked('#stream'));
  const shown = await page.inputValue('#stream_host');
  check('the stored host is shown', shown === host, shown);
  await shot(page, 'web-12-stream-saved.png');
});

await step('log out', async () => {
  await Promise.all([page.waitForURL(`${base}/login?out=1`), page.click('.logout button')]);
  check('logged out', (await page.textContent('.notice.ok')) === 'You have logged out.');
  await shot(page, 'web-13-logged-out.png');
  await page.goto(`${base}/sources`);
  check('pages need a login again', page.url().includes('/login?next=/sources'), page.url());
});

check('no token or password in any response', leaks.length === 0, leaks.join(' '));
check('no script errors in the console', consoleErrors.length === 0, consoleErrors.join(' | '));
await finish(context);
