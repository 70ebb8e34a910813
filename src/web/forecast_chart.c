/*
 * The line chart of the forecast and staffing pages, drawn on the server
 * as inline SVG (no script): up to four series over the same 15-minute
 * time line (lines, or bars for one of them), a vertical "as of" marker,
 * dashed lines between local days and local-time labels. A series breaks
 * where it has no value (NAN), so "no forecast here" never reads as 0.
 */
#include "web/fc_web.h"
#include "util/timeutil.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define CW 1100
#define CH 300
#define L 56.0
#define R 16.0
#define T 30.0
#define B 40.0
#define PLOT_W (CW - L - R)
#define PLOT_H (CH - T - B)
#define INK "#5b6675"
#define RULE "#e6ebf1"
#define DASH " stroke-dasharray=\"5 3\""

static double x_at(const wl_fcc *c, double i)
{
  return L + PLOT_W * i / (double)(c->n ? c->n : 1);
}

static double top_value(const wl_fcc *c)
{
  double max = 0;
  for (size_t s = 0; s < c->ns; s++)
    for (size_t i = 0; i < c->n; i++)
      if (!isnan(c->s[s].y[i]) && c->s[s].y[i] > max)
        max = c->s[s].y[i];
  return max;
}

/* 1, 2 or 5 times a power of ten, so that 4 to 5 steps reach max. */
static double axis_step(double max)
{
  double step = 0.1;
  while (step * 5 < max) {
    if (step * 2 * 5 >= max)
      return step * 2;
    if (step * 5 * 5 >= max)
      return step * 5;
    step *= 10;
  }
  return step;
}

static void grid_lines(wl_buf *b, const wl_fcc *c, double ymax, double step)
{
  for (double v = 0; v <= ymax + step / 2; v += step) {
    double y = T + PLOT_H - PLOT_H * v / ymax;
    wl_html(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"" RULE
                     "\"/><text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%g</text>\n",
                  L, y, L + PLOT_W, y, L - 6, y + 4, v);
  }
  wl_html(b, "<text transform=\"translate(13 %d) rotate(-90)\" text-anchor=\"middle\">%s"
             "</text>\n", (int)(T + PLOT_H / 2), c->y_label ? c->y_label : "");
}

/* Day boundaries (dashed) and a label per day, or per hour for one day. */
static void time_axis(wl_buf *b, const wl_fcc *c)
{
  static const char *const wd[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  int one_day = c->n <= 100;
  size_t every = c->n / 96 > 14 ? (c->n / 96 + 13) / 14 : 1, day = 0;
  for (size_t i = 0; i < c->n; i++) {
    int64_t t = c->t0 + (int64_t)i * WL_INTERVAL_S;
    wl_civil cv;
    wl_tz_to_civil(&cv, c->tz, t);
    if (one_day && cv.min == 0 && cv.hour % 2 == 0)
      wl_html(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%02d:00</text>\n",
                    x_at(c, (double)i), T + PLOT_H + 16, cv.hour);
    if (t != wl_tz_day_start(c->tz, t))
      continue;
    if (i > 0)
      wl_html(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#aab4c0\" "
                       "stroke-dasharray=\"3 3\"/>\n", x_at(c, (double)i), T, x_at(c, (double)i),
                    T + PLOT_H);
    if (!one_day && day++ % every == 0)
      wl_html(b, "<text x=\"%.1f\" y=\"%.1f\">%s %02d-%02d</text>\n",
                    x_at(c, (double)i) + 3, T + PLOT_H + 16,
                    wd[wl_weekday_from_days(wl_days_from_civil(cv.year, cv.month, cv.day))],
                    cv.month, cv.day);
  }
}

static void legend(wl_buf *b, const wl_fcc *c)
{
  double x = L;
  for (size_t s = 0; s < c->ns; s++) {
    const wl_fcc_series *se = &c->s[s];
    if (se->bars)
      wl_html(b, "<rect x=\"%d\" y=\"9\" width=\"12\" height=\"12\" fill=\"%s\"/>", (int)x,
              se->color);
    else
    {
      wl_html(b, "<line x1=\"%d\" y1=\"15\" x2=\"%d\" y2=\"15\" stroke=\"%s\" "
                 "stroke-width=\"2.5\"", (int)x, (int)x + 16, se->color);
      wl_buf_puts(b, se->dashed ? DASH "/>" : "/>");
    }
    wl_html(b, "<text x=\"%d\" y=\"19\">%s</text>", (int)x + 21, se->label);
    x += 34 + 6.5 * (double)strlen(se->label);
  }
  wl_buf_puts(b, "\n");
}

static void bars(wl_buf *b, const wl_fcc *c, const wl_fcc_series *se, double ymax)
{
  double w = PLOT_W / (double)c->n;
  wl_html(b, "<g class=\"%s\" fill=\"%s\"><title>%s</title>", se->css, se->color, se->label);
  for (size_t i = 0; i < c->n; i++)
    if (!isnan(se->y[i]) && se->y[i] > 0)
      wl_html(b, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\"/>",
                    x_at(c, (double)i), T + PLOT_H - PLOT_H * se->y[i] / ymax, w,
                    PLOT_H * se->y[i] / ymax);
  wl_buf_puts(b, "</g>\n");
}

static void line(wl_buf *b, const wl_fcc *c, const wl_fcc_series *se, double ymax)
{
  int open = 0;
  size_t points = 0;
  wl_html(b, "<path class=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\" "
             "stroke-linejoin=\"round\"", se->css, se->color);
  wl_buf_puts(b, se->dashed ? DASH " d=\"" : " d=\"");
  for (size_t i = 0; i < c->n; i++) {
    if (isnan(se->y[i])) {
      open = 0;
      continue;
    }
    wl_html(b, "%c%.2f %.2f", open ? 'L' : 'M', x_at(c, (double)i + 0.5),
                  T + PLOT_H - PLOT_H * se->y[i] / ymax);
    open = 1;
    points++;
  }
  wl_html(b, "\" data-points=\"%zu\"><title>%s</title></path>\n", points, se->label);
}

static void as_of_mark(wl_buf *b, const wl_fcc *c)
{
  double x;
  if (!c->mark || c->mark <= c->t0 || c->mark >= c->t0 + (int64_t)c->n * WL_INTERVAL_S)
    return;
  x = x_at(c, (double)(c->mark - c->t0) / WL_INTERVAL_S);
  wl_html(b, "<line class=\"as-of\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                   "stroke=\"#1b2733\" stroke-width=\"1.5\"/>", x, T - 4, x, T + PLOT_H);
  wl_html(b, "<text x=\"%d\" y=\"%d\" font-weight=\"600\">%s</text>\n", (int)x + 4, (int)T + 8,
          c->mark_label ? c->mark_label : "");
}

void wl_fcc_draw(wl_buf *b, const wl_fcc *c)
{
  double ymax = top_value(c), step = axis_step(ymax > 0 ? ymax : 1);
  ymax = ceil((ymax > 0 ? ymax : 1) / step - 1e-9) * step;
  wl_html(b, "<svg id=\"%s\" class=\"chart fc-chart\" xmlns=\"http://www.w3.org/2000/svg\" "
             "viewBox=\"0 0 %d %d\" role=\"img\" font-family=\"system-ui, -apple-system, "
             "'Segoe UI', Roboto, sans-serif\" font-size=\"11\" fill=\"" INK "\" "
             "data-intervals=\"%zu\">", c->id, CW, CH, c->n);
  legend(b, c);
  grid_lines(b, c, ymax, step);
  time_axis(b, c);
  for (size_t s = 0; s < c->ns; s++)
    if (c->s[s].bars)
      bars(b, c, &c->s[s], ymax);
  for (size_t s = 0; s < c->ns; s++)
    if (!c->s[s].bars)
      line(b, c, &c->s[s], ymax);
  as_of_mark(b, c);
  wl_html(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"" INK "\"/>",
                L, T + PLOT_H, L + PLOT_W, T + PLOT_H);
  wl_buf_puts(b, "</svg>\n");
}
