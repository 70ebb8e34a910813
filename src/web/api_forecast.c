/*
 * The forecast and staffing rows as JSON (docs/WEB.md):
 *   GET /api/v1/sources/NAME/forecast?queue=&from=&to=&as_of=&method=
 *   GET /api/v1/sources/NAME/staffing?(the same)&target=&model=&patience_s=
 *       &shrinkage=&max_occupancy=&actual=1
 * {"source", "from", "to", "as_of", "method", ..., "rows": [...], "notes":
 * [{"queue_id", "text"}]}: rows exactly as `--format json` prints them
 * (numbers as JSON numbers, an empty cell null). A refused argument is
 * 400 {"error", "parameter"} naming it.
 */
#include "web/fc_web.h"
#include "util/err.h"
#include "util/timeutil.h"

#include <microhttpd.h>
#include <string.h>

static const char *const note_cols[] = {"queue_id", "text", NULL};

typedef struct api_ctx {
  wl_aw_rows rows, notes;
} api_ctx;

static int keep_row(void *payload, const char *const *values)
{
  return wl_aw_rows_add(&((api_ctx *)payload)->rows, values);
}

static int keep_note(void *payload, const char *queue_id, const char *text)
{
  const char *v[2] = {queue_id ? queue_id : "", text};
  return wl_aw_rows_add(&((api_ctx *)payload)->notes, v);
}

static json_t *j_time(int64_t t, const wl_tz *tz)
{
  char buf[WL_ISO_LEN];
  return json_string(wl_time_format(buf, sizeof(buf), t, tz));
}

static json_t *envelope(const wl_fcw *v)
{
  return json_pack("{s:s,s:s,s:o,s:o,s:o,s:s}", "source", v->src.name, "timezone",
                   v->src.timezone, "from", j_time(v->req.fc.from, v->tz), "to",
                   j_time(v->req.fc.to, v->tz), "as_of", j_time(v->req.fc.as_of, v->tz),
                   "method", v->method_s);
}

static int answer(wl_fcw *v, api_ctx *c, const char *const *cols, int staffing, int rc)
{
  json_t *o;
  if ((rc = wl_fcw_refused(v, rc)) != 0 || v->err[0])
    return rc ? rc : wl_fcw_refuse(v);
  if (!(o = envelope(v)))
    return wl_err(WL_ENOMEM, "out of memory");
  if (staffing)
    json_object_update_new(o, json_pack("{s:s,s:s,s:f,s:f,s:f,s:b}", "target", v->target_s,
                                        "model", v->model_s, "patience_s",
                                        v->req.params.patience_s, "shrinkage",
                                        v->req.params.shrinkage, "max_occupancy",
                                        v->req.params.max_occupancy, "actual", v->actual));
  json_object_set_new(o, "rows", wl_aw_rows_json(&c->rows, cols));
  json_object_set_new(o, "notes", wl_aw_rows_json(&c->notes, note_cols));
  return wl_aw_send_json(v->rq, 0, o);
}

static int run(wl_req *rq, int staffing)
{
  wl_fcw v;
  api_ctx c;
  const char *const *cols = staffing ? wl_staffing_cols : wl_forecast_cols;
  int rc = wl_fcw_open(&v, rq, 0, staffing);
  wl_aw_rows_init(&c.rows, cols);
  wl_aw_rows_init(&c.notes, note_cols);
  if (rc == 0 && v.err[0])
    rc = wl_fcw_refuse(&v);
  else if (rc == 0) {
    rc = staffing ? wl_staffing_report(rq->app, &v.src, &v.req, keep_row, keep_note, &c)
                  : wl_forecast_report(rq->app, &v.src, &v.req.fc, keep_row, keep_note, &c);
    rc = answer(&v, &c, cols, staffing, rc);
  }
  wl_aw_rows_free(&c.rows);
  wl_aw_rows_free(&c.notes);
  wl_fcw_close(&v);
  return rc == WL_ENOTFOUND ? 0 : rc;
}

int wl_api_forecast(wl_req *rq)
{
  return run(rq, 0);
}

int wl_api_staffing(wl_req *rq)
{
  return run(rq, 1);
}
