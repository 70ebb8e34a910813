// The forecast and staffing pages (issues 12 and 13) in Debian's headless
// Chromium, against the real `wfmlink serve` with imported history (run by
// tests/e2e/browser_forecast.sh, which sets the environment below and
// compares the downloaded CSVs with the command line's byte for byte):
// for each view, the page's table = its CSV download = the command line's
// rows; the charts (one per queue, with the intraday re-forecast line),
// the accuracy table with auto's pick, saving a forecast, the staffing
// chart and day summary, the staffing settings and the Erlang calculator.
//
//   WL_URL  WL_USER  WL_PASSWORD  SHOTS  WL_PROFILE
//   CLI_DIR  the command line's CSVs (cli_*.csv, cli_erlang.json)
//   OUT_DIR  where the downloaded CSVs go (page_*.csv)
import fs from 'node:fs';
import { base, check, env, finish, launch, logIn, parseCsv, shot, step,
         watchConsole } from './lib.mjs';

const { context, page } = await launch({ acceptDownloads: true });
const consoleErrors = watchConsole(page, { allow4xx: true });

const cli = (name) => fs.readFileSync(`${env.CLI_DIR}/cli_${name}.csv`, 'utf8');

async function tableRows() {
  return page.$$eval('#rows tbody tr',
    (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
}

async function tableHeader() {
  return page.$$eval('#rows thead th', (ths) => ths.map((th) => th.textContent));
}

async function downloadCsv(file) {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#csv-link')]);
  const text = fs.readFileSync(await dl.path(), 'utf8');
  fs.writeFileSync(`${env.OUT_DIR}/page_${file}.csv`, text);
  return text;
}

// The page's table and its CSV download hold the command line's rows.
async function sameRows(label, file) {
  const text = await downloadCsv(file);
  const want = parseCsv(cli(file));
  const got = [await tableHeader(), ...await tableRows()];
  check(`${label}: the table is the command line's rows (${want.length - 1})`,
        JSON.stringify(got) === JSON.stringify(want),
        `${got.length} rows vs ${want.length}; first ${JSON.stringify(got[1])} vs ${JSON.stringify(want[1])}`);
  check(`${label}: the CSV download is the command line's output`, text === cli(file),
        `${text.length} vs ${cli(file).length} bytes`);
}

async function go(path) {
  await page.goto(`${base}${path}`);
}

await step('log in', async () => {
  await logIn(page, '/sources');
  check('logged in', (await page.textContent('h1')) === 'Sources');
});

await step('the forecast page from the sources list, default view', async () => {
  await Promise.all([page.waitForURL(`${base}/source/fc/forecast`),
                     page.click('tr[data-source=fc] a:text("Forecast")')]);
  check('heading', (await page.textContent('h1')) === 'Forecast fc');
  check('a tab beside Volume', (await page.$$eval('nav.tabs a', (as) => as.map((a) => a.textContent)))
    .join(',').includes('Volume,Forecast,Staffing'));
  check('default horizon: today .. +7 days',
        (await page.inputValue('input[name=from]')) === '2024-11-05'
        && (await page.inputValue('input[name=to]')) === '2024-11-12');
  check('method auto by default', (await page.inputValue('select[name=method]')) === 'auto');
  const charts = await page.$$('svg.fc-chart');
  check('one chart per queue (2)', charts.length === 2, charts.length);
  const pts = async (cls) => page.$eval(`#fc-chart-0 path.${cls}`, (p) => Number(p.dataset.points));
  check('the forecast line covers 7 days from today (672 points)', (await pts('forecast')) === 672);
  check('the intraday re-forecast covers today (96 points)', (await pts('intraday')) === 96);
  check('recorded contacts drawn as bars before as-of',
        (await page.$$('#fc-chart-0 g.actual rect')).length > 100);
  check('an "as of" marker', (await page.$$('#fc-chart-0 line.as-of')).length === 1);
  check("queue 102's name shown as text, not markup",
        (await page.textContent('section[data-queue="102"] h2')).startsWith('Support <b>&"'));
  const picks = await page.$$eval('#accuracy tr.auto-pick', (trs) => trs.map((t) => t.dataset.queue));
  check("auto's pick marked once per queue", picks.sort().join() === '101,102', picks.join());
  const methods = await page.$$eval('#accuracy tbody tr[data-queue="101"]', (trs) => trs.map((t) => t.dataset.method));
  check('the accuracy table has every method and auto',
        methods.join() === 'seasonal-naive,weekday-mean,weekday-median,day-profile,double-seasonal,auto',
        methods.join());
  check('notes listed (auto chose ...)', (await page.textContent('#notes')).includes('auto chose'));
  await sameRows('forecast, default view', 'forecast');
  await shot(await page.$('#accuracy'), 'forecast-accuracy.png');
  await shot(await page.$('section[data-queue="101"]'), 'forecast-chart.png');
});

await step('one queue, another method, as-of noon', async () => {
  await page.uncheck('input[name=queue][value="102"]').catch(() => {});
  await page.check('input[name=queue][value="101"]');
  await page.fill('input[name=to]', '2024-11-07');
  await page.fill('input[name=as_of]', '2024-11-05T12:00:00-05:00');
  await page.selectOption('select[name=method]', 'weekday-median');
  await Promise.all([page.waitForURL(/method=weekday-median/), page.click('#fc-form button[type=submit]')]);
  check('one chart', (await page.$$('svg.fc-chart')).length === 1);
  await sameRows('forecast, queue 101, weekday-median as of 12:00', 'forecast_101');
});

await step('save the forecast and see it listed', async () => {
  await page.fill('#saved input[name=name]', 'week 45');
  await Promise.all([page.waitForURL(/saved=1/), page.click('#saved button[type=submit]')]);
  check('saved notice', (await page.$$('#saved-ok')).length === 1);
  const row = await page.$$eval('#saved tr[data-name="week 45"] td', (tds) => tds.map((t) => t.textContent));
  check('listed with 192 values, compared on the intervals recorded by now',
        row[4] === '192' && Number(row[5]) > 0 && Number(row[5]) < 192, row.join('|'));
  check('with a wMAPE', /^\d+\.\d\d$/.test(row[8]), row[8]);
});

await step('a bad argument is refused on the page, naming it', async () => {
  const r = await page.goto(`${base}/source/fc/forecast?from=2024-11-05&to=2026-01-01`);
  check('400', r.status() === 400);
  check('the error names "to"', (await page.textContent('#error')).startsWith('to:'));
});

await step('the staffing page, default view', async () => {
  await go('/source/fc/forecast');
  await Promise.all([page.waitForURL(`${base}/source/fc/staffing`), page.click('nav.tabs a:text("Staffing")')]);
  check('heading', (await page.textContent('h1')) === 'Staffing fc');
  check('the source settings in the form', (await page.inputValue('#fc-form input[name=target]')) === '80/20');
  check('a chart with required and scheduled lines',
        (await page.$$('#staffing-chart path.required')).length === 1
        && (await page.$$('#staffing-chart path.scheduled')).length === 1);
  const day = await page.$$eval('#days tr[data-day="2024-11-05"] td', (tds) => tds.map((t) => t.textContent));
  // a1 08:00-16:00 (8 h), a2 09:00-17:07 less a 30-minute break (7 h 37 min)
  check('the day summary: 15.62 scheduled agent-hours on 2024-11-05', day[2] === '15.62', day.join('|'));
  await sameRows('staffing, default view', 'staffing');
  await shot(await page.$('#chart'), 'forecast-staffing.png');
  await shot(await page.$('#days'), 'forecast-staffing-days.png');
});

await step('staffing with Erlang A for one queue', async () => {
  await go('/source/fc/staffing?from=2024-11-05&to=2024-11-06&queue=102&model=erlang-a&target=90/30&patience_s=60');
  await sameRows('staffing, queue 102, Erlang A 90/30', 'staffing_102a');
});

await step('the Erlang calculator agrees with wfmlink erlang', async () => {
  const want = JSON.parse(fs.readFileSync(`${env.CLI_DIR}/cli_erlang.json`, 'utf8'));
  await go('/source/fc/staffing'); // the source's settings: 80/20, Erlang C
  await page.fill('input[name=calc_calls]', '100');
  await page.fill('input[name=calc_aht]', '180');
  await Promise.all([page.waitForURL(/calc_calls=100/), page.click('#calculator button[type=submit]')]);
  const got = (k) => page.textContent(`#calc-result dd[data-k=${k}]`);
  check(`agents ${want.agents}, positions ${want.positions}`,
        Number(await got('agents')) === want.agents && Number(await got('positions')) === want.positions);
  check('service level', (await got('sl')) === `${(want.service_level * 100).toFixed(1)} %`, await got('sl'));
});

await step('staffing settings: a bad value refused, a good one saved', async () => {
  await page.fill('#settings input[name=staffing-shrinkage]', '1.5');
  const [r] = await Promise.all([page.waitForNavigation(), page.click('#settings button[type=submit]')]);
  check('400 naming staffing-shrinkage', r.status() === 400
        && (await page.textContent('main')).includes('staffing-shrinkage'));
  await go('/source/fc/staffing');
  await page.fill('#settings input[name=staffing-target]', '90/30');
  await Promise.all([page.waitForURL(/settings=saved/), page.click('#settings button[type=submit]')]);
  check('saved, and the page uses it', (await page.inputValue('#fc-form input[name=target]')) === '90/30');
});

check('no script errors', consoleErrors.length === 0, consoleErrors.join(' / '));
await finish(context);
