/*
 * The volume page's interval chart, drawn on the server as inline SVG (no
 * script; the CSP allows presentation attributes): entered contacts as
 * bars with the abandoned ones over their foot (left axis), AHT as a line
 * on a second axis (right). The x axis is the real time line, one slot per
 * 15-minute interval, so a 25-hour day is 100 slots wide; labels are local
 * wall times, and a wall time that occurs twice (01:xx when clocks go back)
 * carries its UTC offset, so the two 01:00 ticks read differently.
 */
#include "web/volume_int.h"
#include "web/web_int.h"
#include "util/timeutil.h"

#include <stdio.h>
#include <string.h>

#define W 1100
#define H 340
#define ML 58.0  /* room for the left axis labels */
#define MR 62.0  /* and the right */
#define MT 34.0  /* the legend */
#define MB 56.0  /* time labels, offsets, day names */
#define PW (W - ML - MR)
#define PH (H - MT - MB)

#define C_ENTERED "#8db8e8"
#define C_ABANDONED "#c8372d"
#define C_AHT "#e08600"
#define C_GRID "#e6ebf1"
#define C_DAY "#aab4c0"
#define C_TEXT "#5b6675"

static const char *const wdays[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* A round axis step (1, 2, 5, 10, 20, 50, ...) giving at most 5 steps to max. */
static int64_t nice_step(int64_t max)
{
  int64_t step = 1;
  for (;;) {
    if (step * 5 >= max)
      return step;
    if (step * 2 * 5 >= max)
      return step * 2;
    if (step * 5 * 5 >= max)
      return step * 5;
    step *= 10;
  }
}

static int64_t aht_of(const wl_vol_view *v, size_t i)
{
  return v->accepted[i] ? (v->handle[i] + v->accepted[i] / 2) / v->accepted[i] : 0;
}

static double xpos(const wl_vol_view *v, size_t i)
{
  return ML + PW * (double)i / (double)(v->n ? v->n : 1);
}

static int ambiguous(const wl_tz *tz, int64_t t)
{
  wl_civil c;
  wl_tz_to_civil(&c, tz, t);
  return wl_tz_from_civil(tz, &c, 0) != wl_tz_from_civil(tz, &c, 1);
}

void wl_vol_fmt_local(char *out, size_t n, int64_t t, const wl_tz *tz, int with_date)
{
  wl_civil c;
  int len;
  wl_tz_to_civil(&c, tz, t);
  if (with_date)
    len = snprintf(out, n, "%04d-%02d-%02d %02d:%02d", c.year, c.month, c.day, c.hour, c.min);
  else
    len = snprintf(out, n, "%02d:%02d", c.hour, c.min);
  if (ambiguous(tz, t) && len > 0 && (size_t)len < n) {
    int off = wl_tz_offset(tz, t), a = off < 0 ? -off : off;
    snprintf(out + len, n - (size_t)len, " (UTC%c%02d:%02d)", off < 0 ? '-' : '+', a / 3600,
             a / 60 % 60);
  }
}

/* The tick spacing in hours: at most 26 labels across the chart. */
static int tick_hours(size_t n)
{
  static const int steps[] = {1, 2, 3, 6, 12, 24, 48, 168};
  size_t hours = n / 4 + 1;
  for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
    if (hours / (size_t)steps[i] <= 26)
      return steps[i];
  return 336;
}

static void legend(wl_buf *b)
{
  wl_html(b, "<g font-size=\"12\" fill=\"" C_TEXT "\">"
                   "<rect x=\"%.0f\" y=\"10\" width=\"12\" height=\"12\" fill=\"" C_ENTERED "\"/>"
                   "<text x=\"%.0f\" y=\"20\">Entered</text>"
                   "<rect x=\"%.0f\" y=\"10\" width=\"12\" height=\"12\" fill=\"" C_ABANDONED "\"/>"
                   "<text x=\"%.0f\" y=\"20\">Abandoned</text>"
                   "<line x1=\"%.0f\" y1=\"16\" x2=\"%.0f\" y2=\"16\" stroke=\"" C_AHT "\" "
                   "stroke-width=\"2.5\"/><text x=\"%.0f\" y=\"20\">AHT (right axis)</text></g>\n",
                ML, ML + 17, ML + 90, ML + 107, ML + 200, ML + 222, ML + 228);
}

static void y_axes(wl_buf *b, int64_t emax, int64_t estep, int64_t amax, int64_t astep)
{
  for (int64_t v = 0; v <= emax; v += estep) {
    double y = MT + PH - PH * (double)v / (double)emax;
    wl_html(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"" C_GRID
                     "\"/><text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%lld</text>\n",
                  ML, y, ML + PW, y, ML - 8, y + 4, (long long)v);
  }
  for (int64_t v = 0; v <= amax; v += astep) {
    double y = MT + PH - PH * (double)v / (double)amax;
    wl_html(b, "<text x=\"%.1f\" y=\"%.1f\" fill=\"" C_AHT "\">%lld s</text>\n", ML + PW + 8,
                  y + 4, (long long)v);
  }
  wl_html(b, "<text transform=\"translate(14 %.1f) rotate(-90)\" text-anchor=\"middle\">"
                   "contacts per 15 min</text>\n", MT + PH / 2);
}

static void day_name(char *out, size_t n, const wl_civil *c)
{
  int64_t days = wl_days_from_civil(c->year, c->month, c->day);
  snprintf(out, n, "%s %s %d", wdays[wl_weekday_from_days(days)], months[c->month - 1], c->day);
}

/* A tick: the wall time, under it the UTC offset of a wall time that
 * occurs twice. Ticks a day or more apart show the date instead. */
static void x_tick(wl_buf *b, const wl_vol_view *v, size_t i, int daily)
{
  int64_t t = v->f0 + (int64_t)i * WL_INTERVAL_S;
  double x = xpos(v, i);
  wl_civil c;
  char top[32], second[32] = "";
  wl_tz_to_civil(&c, v->tz, t);
  if (daily) {
    snprintf(top, sizeof(top), "%s %d", months[c.month - 1], c.day);
    snprintf(second, sizeof(second), "%s",
             wdays[wl_weekday_from_days(wl_days_from_civil(c.year, c.month, c.day))]);
  } else {
    snprintf(top, sizeof(top), "%02d:%02d", c.hour, c.min);
    if (ambiguous(v->tz, t)) {
      int off = wl_tz_offset(v->tz, t), a = off < 0 ? -off : off;
      snprintf(second, sizeof(second), "UTC%c%d%s", off < 0 ? '-' : '+', a / 3600,
               a % 3600 ? ":30" : "");
    }
  }
  wl_html(b, "<g class=\"tick\"><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                   "stroke=\"" C_TEXT "\"/><text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s"
                   "</text>", x, MT + PH, x, MT + PH + 5, x, MT + PH + 17, top);
  if (second[0])
    wl_html(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"10\">%s"
                     "</text>", x, MT + PH + 30, second);
  wl_buf_puts(b, "</g>\n");
}

/* The local day under the ticks, from its first interval on the chart. */
static void day_label(wl_buf *b, const wl_vol_view *v, size_t i)
{
  wl_civil c;
  char d[32];
  wl_tz_to_civil(&c, v->tz, v->f0 + (int64_t)i * WL_INTERVAL_S);
  day_name(d, sizeof(d), &c);
  wl_html(b, "<text class=\"day\" x=\"%.1f\" y=\"%.1f\" font-weight=\"600\">%s</text>\n",
                xpos(v, i) + 3, MT + PH + 45, d);
}

static void x_axis(wl_buf *b, const wl_vol_view *v)
{
  int step = tick_hours(v->n), daily = step >= 24;
  size_t last = (size_t)-1;
  for (size_t i = 0; i < v->n; i++) {
    int64_t t = v->f0 + (int64_t)i * WL_INTERVAL_S;
    int64_t day0 = wl_tz_day_start(v->tz, t);
    wl_civil c;
    int tick;
    wl_tz_to_civil(&c, v->tz, t);
    if (t == day0 && i > 0) /* a day boundary */
      wl_html(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"" C_DAY
                       "\" stroke-dasharray=\"3 3\"/>\n", xpos(v, i), MT, xpos(v, i), MT + PH);
    /* the day's name, unless its part of the chart is too narrow for it */
    if (!daily && (t == day0 || i == 0) &&
        (double)(wl_tz_next_day_start(v->tz, t) - t) / WL_INTERVAL_S * PW / (double)v->n >= 70)
      day_label(b, v, i);
    if (c.min != 0)
      continue;
    tick = daily ? t == day0 && wl_days_from_civil(c.year, c.month, c.day) % (step / 24) == 0
                 : c.hour % step == 0;
    /* keep labels at least 34 px apart (a partial first hour) */
    if (tick && (last == (size_t)-1 || xpos(v, i) - xpos(v, last) >= 34)) {
      x_tick(b, v, i, daily);
      last = i;
    }
  }
}

static void bars(wl_buf *b, const wl_vol_view *v, int64_t emax)
{
  double slot = PW / (double)v->n, w = slot >= 3 ? slot * 0.78 : slot;
  char iso[WL_ISO_LEN], when[64], aht[32];
  for (size_t i = 0; i < v->n; i++) {
    int64_t t = v->f0 + (int64_t)i * WL_INTERVAL_S;
    double x = xpos(v, i) + (slot - w) / 2, he = PH * (double)v->entered[i] / (double)emax,
           ha = PH * (double)v->abandoned[i] / (double)emax;
    wl_time_format(iso, sizeof(iso), t, v->tz);
    wl_vol_fmt_local(when, sizeof(when), t, v->tz, 1);
    wl_fmt_ratio1(aht, sizeof(aht), v->handle[i], v->accepted[i]);
    /* every string here is digits, '-', ':', '.', ' ' and "UTC": no escaping needed */
    wl_html(b, "<g class=\"iv\" data-start=\"%s\" data-entered=\"%lld\" "
                     "data-abandoned=\"%lld\" data-aht=\"%s\"><title>%s: entered %lld, "
                     "abandoned %lld, AHT %s%s</title>",
                  iso, (long long)v->entered[i], (long long)v->abandoned[i], aht, when,
                  (long long)v->entered[i], (long long)v->abandoned[i],
                  aht[0] ? aht : "none", aht[0] ? " s" : "");
    /* a full-height transparent slot: the tooltip works on quiet intervals too */
    wl_html(b, "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\" "
                     "fill=\"transparent\"/>", xpos(v, i), MT, slot, PH);
    if (v->entered[i])
      wl_html(b, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\""
                       C_ENTERED "\"/>", x, MT + PH - he, w, he);
    if (v->abandoned[i])
      wl_html(b, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\""
                       C_ABANDONED "\"/>", x, MT + PH - ha, w, ha);
    wl_buf_puts(b, "</g>\n");
  }
}

/* The AHT line through the middle of each interval; it breaks where no
 * contact was accepted (no AHT rather than a zero). */
static void aht_line(wl_buf *b, const wl_vol_view *v, int64_t amax)
{
  double slot = PW / (double)v->n;
  int open = 0;
  wl_buf_puts(b, "<path class=\"aht\" fill=\"none\" stroke=\"" C_AHT "\" stroke-width=\"2\" "
                 "stroke-linejoin=\"round\" d=\"");
  for (size_t i = 0; i < v->n; i++) {
    double y;
    if (!v->accepted[i]) {
      open = 0;
      continue;
    }
    y = MT + PH - PH * (double)v->handle[i] / (double)v->accepted[i] / (double)amax;
    wl_html(b, "%c%.2f %.2f", open ? 'L' : 'M', xpos(v, i) + slot / 2, y);
    open = 1;
  }
  wl_buf_puts(b, "\"/>\n");
  if (slot < 7)
    return;
  for (size_t i = 0; i < v->n; i++)
    if (v->accepted[i])
      wl_html(b, "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"2.2\" fill=\"" C_AHT "\"/>",
                    xpos(v, i) + slot / 2,
                    MT + PH - PH * (double)v->handle[i] / (double)v->accepted[i] / (double)amax);
  wl_buf_puts(b, "\n");
}

int wl_vol_chart(wl_buf *b, const wl_vol_view *v)
{
  int64_t emax = 0, amax = 0, estep, astep;
  char a[64], z[64];
  for (size_t i = 0; i < v->n; i++) {
    if (v->entered[i] > emax)
      emax = v->entered[i];
    if (aht_of(v, i) > amax)
      amax = aht_of(v, i);
  }
  estep = nice_step(emax ? emax : 1);
  emax = (emax + estep - 1) / estep * estep;
  emax = emax ? emax : estep;
  astep = nice_step(amax ? amax : 60);
  amax = (amax + astep - 1) / astep * astep;
  amax = amax ? amax : astep;
  wl_vol_fmt_local(a, sizeof(a), v->from, v->tz, 1);
  wl_vol_fmt_local(z, sizeof(z), v->to, v->tz, 1);
  wl_html(b, "<svg id=\"volume-chart\" class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" "
                   "viewBox=\"0 0 %d %d\" role=\"img\" aria-labelledby=\"vc-title vc-desc\" "
                   "font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif\" "
                   "font-size=\"11\" fill=\"" C_TEXT "\" data-intervals=\"%zu\">",
                W, H, v->n);
  wl_html(b, "<title id=\"vc-title\">Contacts and AHT per 15-minute interval</title>"
             "<desc id=\"vc-desc\">Entered and abandoned contacts (bars, left axis) and average "
             "handle time in seconds (line, right axis) for %s, %s to %s, %s.</desc>\n",
          v->queue_label, a, z, v->src.timezone);
  legend(b);
  y_axes(b, emax, estep, amax, astep);
  bars(b, v, emax);
  aht_line(b, v, amax);
  x_axis(b, v);
  wl_html(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"" C_TEXT
                   "\"/>", ML, MT + PH, ML + PW, MT + PH);
  return wl_buf_puts(b, "</svg>\n");
}
