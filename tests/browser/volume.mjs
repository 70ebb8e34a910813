// The volume page (issue 7) in Debian's headless Chromium, against the real
// `wfmlink serve` and a day backfilled from the emulator (run by
// tests/e2e/browser_volume.sh, which sets the environment below):
//
//   MODE=main   log in, open the page from the sources list, pick the
//               25-hour day 2024-11-03, check the chart (100 interval slots,
//               the repeated 01:00 told apart) and the table, download the
//               CSV through the page's link and compare it with the table
//               and with `wfmlink report volume --format csv`; then one queue
//               by interval; then data health over 2024-11-02..05 and "Fill
//               the gaps".
//   MODE=after  after serve restarted: the collectors filled the gaps.
//
//   WL_URL  WL_USER  WL_PASSWORD  SHOTS  WL_PROFILE
//   CLI_DIR  where the script left cli_day.csv and cli_interval_102.csv
//   OUT_DIR  where the downloaded CSVs are kept (the script compares them too)
import fs from 'node:fs';
import { base, check, env, finish, launch, logIn, parseCsv, shot, step, watchConsole,
         watchLeaks } from './lib.mjs';

const mode = env.MODE || 'main';

const HEADER = 'queue_id,queue_name,interval_start,entered,accepted,abandoned,handle_time_s,'
  + 'aht_s,wait_time_s,final';

const { context, page } = await launch({ acceptDownloads: true });
const consoleErrors = watchConsole(page);
const leaks = watchLeaks(page, [env.WL_PASSWORD]);

async function tableRows() {
  return page.$$eval('#volume-table tbody tr:not(.empty)',
    (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
}

async function downloadCsv(file) {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#csv-link')]);
  const text = fs.readFileSync(await dl.path(), 'utf8');
  fs.writeFileSync(`${env.OUT_DIR}/${file}`, text);
  return { text, name: dl.suggestedFilename() };
}

function withoutTotals(text) {
  return parseCsv(text).filter((r) => r[2] !== 'total');
}

// Each total row is the sum of its queue's rows (AHT from the sums).
function totalsAddUp(rows) {
  const sums = {};
  for (const r of rows.filter((x) => x[2] !== 'total')) {
    const s = sums[r[0]] || (sums[r[0]] = [0, 0, 0, 0, 0]);
    [3, 4, 5, 6, 8].forEach((c, i) => { s[i] += Number(r[c]); });
  }
  const totals = rows.filter((x) => x[2] === 'total');
  if (totals.length !== Object.keys(sums).length) return false;
  return totals.every((t) => {
    const s = sums[t[0]];
    const tenths = Math.floor((s[3] * 20 + s[1]) / (s[1] * 2)); // half up, in integers
    const aht = s[1] ? `${Math.floor(tenths / 10)}.${tenths % 10}` : '';
    return Number(t[3]) === s[0] && Number(t[4]) === s[1] && Number(t[5]) === s[2]
      && Number(t[6]) === s[3] && Number(t[8]) === s[4] && t[7] === aht;
  });
}

await step('log in', async () => {
  await logIn(page, '/sources');
  check('logged in', (await page.textContent('h1')) === 'Sources');
});

if (mode === 'main') {
  await step('open the volume page from the sources list', async () => {
    await Promise.all([page.waitForURL(`${base}/source/vol/volume`),
                       page.click('tr[data-source=vol] a:text("Volume")')]);
    const h1 = await page.textContent('h1');
    check('volume page heading', h1 === 'Volume and handle time vol', h1);
    check('the default range is the last 7 local days',
          (await page.inputValue('input[name=from]')) === '2024-10-30'
          && (await page.inputValue('input[name=to]')) === '2024-11-06');
    check('5 queues to pick, all ticked',
          (await page.$$('input[name=queue]:checked')).length === 5);
  });

  let dayRows = [];
  await step('pick the 25-hour day', async () => {
    await page.fill('input[name=from]', '2024-11-03');
    await page.fill('input[name=to]', '2024-11-04');
    await page.selectOption('select[name=by]', 'day');
    await Promise.all([page.waitForURL(/from=2024-11-03&to=2024-11-04/),
                       page.click('button:text("Show")')]);
    const sub = await page.textContent('p.sub');
    check('2024-11-03 has 100 intervals', sub.includes('100 intervals'), sub);
  });

  await step('the chart', async () => {
    const slots = await page.$$eval('svg#volume-chart g.iv', (gs) => gs.map((g) => ({
      start: g.dataset.start, entered: Number(g.dataset.entered),
      abandoned: Number(g.dataset.abandoned) })));
    check('the chart has 100 interval slots', slots.length === 100, slots.length);
    check('from local midnight -04:00 to 23:45 -05:00',
          slots[0].start === '2024-11-03T00:00:00-04:00'
          && slots[99].start === '2024-11-03T23:45:00-05:00', `${slots[0].start} ${slots[99].start}`);
    const ones = slots.filter((s) => s.start.startsWith('2024-11-03T01:00:00')).map((s) => s.start);
    check('both 01:00 slots, told apart by their offsets',
          ones.join(' ') === '2024-11-03T01:00:00-04:00 2024-11-03T01:00:00-05:00', ones.join(' '));
    const labels = await page.$$eval('svg#volume-chart g.tick text', (ts) => ts.map((t) => t.textContent));
    check('the axis shows 01:00 twice, UTC-4 then UTC-5',
          labels.filter((l) => l === '01:00').length === 2
          && labels.indexOf('UTC-4') < labels.indexOf('UTC-5') && labels.includes('UTC-4'),
          labels.join(' '));
    const box = await page.$eval('svg#volume-chart', (s) => s.getBoundingClientRect().width);
    check('the chart fills the card', box > 900, box);
    const bars = await page.$$('svg#volume-chart rect[fill="#8db8e8"]');
    check('entered bars are drawn', bars.length > 20, bars.length);
    check('an AHT line is drawn',
          (await page.getAttribute('svg#volume-chart path.aht', 'd')).length > 100);
    const tip = await page.textContent('svg#volume-chart g.iv:nth-of-type(10) title');
    check('each slot has a tooltip', /^2024-11-03 0[0-9]:[0-9]{2}.*: entered \d+, abandoned \d+, AHT /.test(tip), tip);
    dayRows = await tableRows();
    const entered = slots.reduce((a, s) => a + s.entered, 0);
    const tableEntered = dayRows.filter((r) => r[2] !== 'total').reduce((a, r) => a + Number(r[3]), 0);
    check('the chart and the daily table agree on contacts entered',
          entered === tableEntered && entered > 0, `${entered} vs ${tableEntered}`);
  });

  await step('the daily table', async () => {
    check('a row per queue with contacts, and a total per queue',
          dayRows.length >= 2 && dayRows.filter((r) => r[2] === 'total').length * 2 === dayRows.length,
          dayRows.length);
    check('day rows start at local midnight',
          dayRows.filter((r) => r[2] !== 'total').every((r) => r[2] === '2024-11-03T00:00:00-04:00'));
    check('totals add up (AHT from the sums)', totalsAddUp(dayRows));
    await shot(page, 'volume.png');
  });

  await step('the CSV download is the table, and the command line\'s rows', async () => {
    const { text, name } = await downloadCsv('page_day.csv');
    check('the download is named after the source and range',
          name === 'vol-volume-2024-11-03-2024-11-04.csv', name);
    const rows = parseCsv(text);
    check('the CSV header is the command line\'s', rows[0].join(',') === HEADER, rows[0].join(','));
    check('the CSV rows are exactly the table\'s rows',
          JSON.stringify(rows.slice(1)) === JSON.stringify(dayRows),
          `${rows.length - 1} vs ${dayRows.length}`);
    const cli = fs.readFileSync(`${env.CLI_DIR}/cli_day.csv`, 'utf8');
    check('without its total rows it equals `wfmlink report volume --by day --format csv`',
          JSON.stringify(withoutTotals(text)) === JSON.stringify(parseCsv(cli)), cli.slice(0, 200));
  });

  await step('one queue, by interval', async () => {
    for (const id of ['101', '103', '104', '105']) await page.uncheck(`input[name=queue][value="${id}"]`);
    await page.selectOption('select[name=by]', 'interval');
    await Promise.all([page.waitForURL(/by=interval&queue=102$/), page.click('button:text("Show")')]);
    const rows = await tableRows();
    check('only queue 102', rows.every((r) => r[0] === '102'), rows.map((r) => r[0]).join(' '));
    const { text } = await downloadCsv('page_interval_102.csv');
    check('the CSV equals the table', JSON.stringify(parseCsv(text).slice(1)) === JSON.stringify(rows));
    const cli = fs.readFileSync(`${env.CLI_DIR}/cli_interval_102.csv`, 'utf8');
    check('and `wfmlink report volume --by interval --queue 102`, plus its total',
          JSON.stringify(withoutTotals(text)) === JSON.stringify(parseCsv(cli))
          && rows.filter((r) => r[2] === 'total').length === 1 && totalsAddUp(rows));
    const labels = await page.textContent('#chart h2');
    check('the chart says which queue', labels.includes('Support Chat'), labels);
    await shot(page, 'volume-queue-interval.png');
  });

  await step('data health shows the days never collected', async () => {
    await page.goto(`${base}/source/vol/volume?from=2024-11-02&to=2024-11-05`);
    const missing = await page.getAttribute('#gaps', 'data-missing');
    check('192 intervals never collected', missing === '192', missing);
    const gaps = await page.$$eval('#gaps li[data-from]', (ls) => ls.map((l) => `${l.dataset.from}/${l.dataset.to}`));
    check('2024-11-02 and 2024-11-04, in local time',
          gaps.join(' ') === '2024-11-02T00:00:00-04:00/2024-11-03T00:00:00-04:00 '
          + '2024-11-04T00:00:00-05:00/2024-11-05T00:00:00-05:00', gaps.join(' '));
    const last = await page.textContent('#last-backfill');
    // the command line's last window, or the collectors' first one if serve was quicker
    check('the last backfill is shown',
          /^2024-11-05 07:00 .*, window 2024-11-0[345] \d\d:\d\d – .*\d+ rows ok$/.test(last), last);
    await shot(page, 'volume-gaps.png');
  });

  await step('Fill the gaps', async () => {
    await Promise.all([page.waitForURL(/filled=moved/), page.click('#fill-gaps')]);
    const notice = await page.textContent('#filled');
    check('the page says the watermark moved back',
          notice.startsWith('The history watermark is now 2024-11-02 00:00'), notice);
    check('the history watermark is 2024-11-02 00:00',
          (await page.textContent('#watermark')) === '2024-11-02 00:00');
    check('no second button: the collectors start before the gaps',
          (await page.$$('#fill-gaps')).length === 0);
    await shot(page, 'volume-fill.png');
  });
} else {
  await step('the collectors filled the gaps', async () => {
    const limit = Date.now() + 90000;
    let missing = '';
    while (Date.now() < limit) {
      await page.goto(`${base}/source/vol/volume?from=2024-11-02&to=2024-11-05`);
      missing = await page.getAttribute('#gaps', 'data-missing');
      if (missing === '0') break;
      await page.waitForTimeout(1000);
    }
    check('no interval of 2024-11-02..04 is missing any more', missing === '0', missing);
    const days = new Set((await tableRows()).map((r) => r[2]));
    check('the table has all three days',
          days.has('2024-11-02T00:00:00-04:00') && days.has('2024-11-03T00:00:00-04:00')
          && days.has('2024-11-04T00:00:00-05:00'), [...days].join(' '));
    check('the chart has 3 days + 1 hour of slots',
          (await page.$$('svg#volume-chart g.iv')).length === 3 * 96 + 4);
    await shot(page, 'volume-filled.png');
  });
}

check('no password in any response', leaks.length === 0, leaks.join(' '));
check('no script errors or CSP violations in the console', consoleErrors.length === 0,
      consoleErrors.join(' | '));
await finish(context);
