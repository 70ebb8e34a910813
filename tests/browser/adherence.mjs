// Drives Debian's headless Chromium through the adherence pages of source
// "acme" (run twice by tests/e2e/browser_adherence.sh, see there):
//   PHASE=live   the RTA board lists every agent and refreshes itself without
//                reloading; sorting by a column; a CSV upload with a bad row
//                is refused with its line number; a good upload is stored.
//   PHASE=fixed  (serve --only web on a fixed clock, the collectors stopped)
//                the adherence page shows exactly the rows of
//                `wfmlink report adherence --format csv` ($ADH_CSV) for
//                FROM..TO, with a timeline per agent-day; the board shows
//                the feed as down.
// Environment: WL_URL, WL_USER, WL_PASSWORD, SHOTS, WL_PROFILE, PHASE,
// AGENTS (how many), ALERT_S (rta-alert-after-s), AGENT (one agent id), FROM, TO (dates), ADH_CSV,
// BAD_CSV, GOOD_CSV.
import { readFileSync } from 'node:fs';
import { base, check, env, finish, launch, logIn, parseCsv, shot, step, watchConsole } from './lib.mjs';

const { context, page } = await launch();
// script errors and CSP violations (a refused upload's 400 page is expected)
const consoleErrors = watchConsole(page, { allow4xx: true });

await step('log in', async () => {
  await logIn(page, '/login');
  check(`logged in (${env.PHASE})`, (await page.textContent('h1')) === 'Sources');
});

const rowsOf = (sel) => page.$$eval(`${sel} tbody tr`, (trs) => trs.map((tr) =>
  Array.from(tr.querySelectorAll('td')).map((td) => td.textContent)));

if (env.PHASE === 'live') {
  await step('RTA board', async () => {
    await Promise.all([page.waitForURL(`${base}/source/acme/rta`),
                       page.click('tr[data-source=acme] >> text=RTA board')]);
    check('the sources list links to the RTA board',
          (await page.textContent('h1')) === 'Real-time adherence — acme');
    const agents = await page.$$eval('#rta tbody tr[data-agent]', (trs) => trs.length);
    check(`the board lists every agent (${env.AGENTS})`, agents === Number(env.AGENTS), agents);
    check('the feed is healthy: no banner', await page.isHidden('#rta-banner'));
    const activities = await page.$$eval('#rta td[data-col=activity]',
                                         (tds) => tds.map((td) => td.textContent));
    check('every agent has its scheduled activity now (break)',
          activities.every((a) => a === 'break'), activities.join(' '));
    await shot(page, 'adherence-01-rta.png');
  });

  await step('RTA board refreshes in place', async () => {
    const before = await page.textContent('#rta-updated');
    const states = await page.$$eval('#rta td[data-col=since]', (tds) => tds.map((t) => t.textContent).join('|'));
    await page.evaluate(() => { window.wlNoReload = 'still here'; });
    await page.waitForFunction((b) => document.getElementById('rta-updated').textContent !== b,
                               before, { timeout: 20000 });
    const after = await page.textContent('#rta-updated');
    check(`the "updated" time changes (${before} -> ${after})`, after !== before);
    check('without reloading the page',
          (await page.evaluate(() => window.wlNoReload)) === 'still here');
    const states2 = await page.$$eval('#rta td[data-col=since]', (tds) => tds.map((t) => t.textContent).join('|'));
    check('the rows were redrawn (times since changed)', states2 !== states, states2);
    check('no status message', (await page.textContent('#rta-status')) === '');
  });

  await step('RTA board sorts by a column', async () => {
    await page.click('#rta th a[data-sort=out_for_s]');
    const asc = await page.$$eval('#rta td[data-col=out_for_s]', (tds) => tds.map((t) => Number(t.dataset.value)));
    check('ascending by time out of adherence', asc.every((v, i) => i === 0 || asc[i - 1] <= v),
          asc.join(' '));
    check('the header says so', (await page.getAttribute('#rta th:nth-child(7)', 'aria-sort')) === 'ascending');
    await page.click('#rta th a[data-sort=out_for_s]');
    const desc = await page.$$eval('#rta td[data-col=out_for_s]', (tds) => tds.map((t) => Number(t.dataset.value)));
    check('then descending', desc.every((v, i) => i === 0 || desc[i - 1] >= v), desc.join(' '));
    check('the address keeps the order', page.url().endsWith('?sort=out_for_s&dir=desc'), page.url());
    // the next refresh keeps the order
    const upd = await page.textContent('#rta-updated');
    await page.waitForFunction((b) => document.getElementById('rta-updated').textContent !== b,
                               upd, { timeout: 20000 });
    const again = await page.$$eval('#rta td[data-col=out_for_s]', (tds) => tds.map((t) => Number(t.dataset.value)));
    check('a refresh keeps the order', again.every((v, i) => i === 0 || again[i - 1] >= v),
          again.join(' '));
    const alerting = await page.$$eval('#rta tr.alerting', (trs) => trs.length);
    const outFor = await page.$$eval('#rta tr[data-agent]', (trs) => trs.map((tr) => [
      tr.classList.contains('alerting'), Number(tr.querySelector('[data-col=out_for_s]').dataset.value)]));
    check(`alerting rows are those out for more than ${env.ALERT_S} s`,
          outFor.every(([a, s]) => a === (s > Number(env.ALERT_S))), JSON.stringify(outFor));
    await shot(page, 'adherence-02-rta-sorted.png');
    console.log(`       (${alerting} of ${env.AGENTS} agents alerting)`);
  });

  await step('upload with a bad row', async () => {
    await Promise.all([page.waitForURL(`${base}/source/acme/schedule`), page.click('.tabs >> text=Schedule')]);
    await page.setInputFiles('#file', env.BAD_CSV);
    const [resp] = await Promise.all([page.waitForNavigation(), page.click('#upload-submit')]);
    check('refused (400)', resp.status() === 400, resp.status());
    const items = await page.$$eval('#upload-errors li', (lis) => lis.map((li) => li.textContent));
    check('the error names line 3', items.length === 1 &&
          items[0] === "line 3: unknown activity 'nap' (add it with 'wfmlink rules set')",
          items.join(' | '));
    check('and says nothing was imported',
          (await page.textContent('#upload-error strong')).startsWith('schedule rejected, nothing imported'));
    await shot(page, 'adherence-03-upload-error.png');
  });

  await step('good upload', async () => {
    await page.setInputFiles('#file', env.GOOD_CSV);
    await Promise.all([page.waitForURL(/imported=1/), page.click('#upload-submit')]);
    const notice = await page.textContent('#upload-ok');
    check('imported', notice === 'imported 1 schedule segments for 1 agent (0 new)', notice);
    await shot(page, 'adherence-04-upload-ok.png');
  });

  await step('rules page', async () => {
    await Promise.all([page.waitForURL(/\/rules/), page.click('.tabs >> text=Rules')]);
    await page.waitForSelector('#rules-table tbody tr');
    const acts = await page.$$eval('#rules-table tbody tr', (trs) => trs.map((tr) => tr.dataset.activity));
    check('the rules list the built-in activities',
          ['break', 'lunch', 'offline', 'phone'].every((a) => acts.includes(a)), acts.join(' '));
    await shot(page, 'adherence-05-rules.png');
  });
} else {
  await step('adherence page equals `wfmlink report adherence`', async () => {
    await page.goto(`${base}/source/acme/adherence?from=${env.FROM}&to=${env.TO}`);
    const want = parseCsv(readFileSync(env.ADH_CSV, 'utf8'));
    const head = want.shift();
    const rows = await rowsOf('#adherence');
    const days = rows.filter((r) => r[2] !== 'total');
    const totals = rows.filter((r) => r[2] === 'total');
    check(`the columns are the report's (${head.length})`, rows.every((r) => r.length === head.length));
    check(`the same ${want.length} agent-day rows, cell by cell`,
          JSON.stringify(days) === JSON.stringify(want),
          `page ${JSON.stringify(days[0])} cli ${JSON.stringify(want[0])}`);
    const agents = new Set(want.map((r) => r[0]));
    check('a total row per agent', totals.length === agents.size, `${totals.length} vs ${agents.size}`);
    const svgs = await page.$$eval('svg.timeline', (s) => s.length);
    check('a timeline per agent and day', svgs === days.length, `${svgs} vs ${days.length}`);
    const ticks = await page.$$eval('#timelines figure:first-child text.tick', (t) => t.length);
    check('hour ticks on the timeline', ticks >= 23 && ticks <= 25, ticks);
    await shot(page, 'adherence-06-adherence.png');
    const fig = await page.$('#timelines figure');
    if (fig) await shot(fig, 'adherence-07-timeline.png');
  });

  await step('the board when the feed is down', async () => {
    await page.goto(`${base}/source/acme/rta`);
    check('the banner shows', await page.isVisible('#rta-banner'));
    const last = await page.textContent('#rta-last-ok');
    check('with the time the feed was last healthy', /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(1\d min ago\)$/.test(last), last);
    await page.waitForFunction(() => document.querySelectorAll('#rta tbody tr[data-agent]').length > 0);
    const states = await page.$$eval('#rta td[data-col=state] .state', (s) => s.map((x) => x.textContent));
    check('every agent unknown', states.length === Number(env.AGENTS) && states.every((s) => s === 'unknown'),
          states.join(' '));
    const alerting = await page.$$eval('#rta tr.alerting', (trs) => trs.length);
    check('none alerting', alerting === 0, alerting);
    await shot(page, 'adherence-08-rta-feed-down.png');
  });
}

check(`no script errors or CSP violations (${env.PHASE})`, consoleErrors.length === 0,
      consoleErrors.join(' | '));
await finish(context);
