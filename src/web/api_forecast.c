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
#include <stdlib.h>
#include <string.h>

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

static int answer(wl_fcw_base *b, const char *const *cols, int staffing, int rc)
{
  wl_fcw *v = &b->v;
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
  json_object_set_new(o, "rows", wl_aw_rows_json(&b->rows, cols));
  json_object_set_new(o, "notes", wl_aw_rows_json(&b->notes, wl_fcw_note_cols));
  return wl_aw_send_json(v->rq, 0, o);
}

static int run(wl_req *rq, int staffing)
{
  wl_fcw_base *b = calloc(1, sizeof(*b));
  int rc;
  if (!b)
    return wl_err(WL_ENOMEM, "out of memory");
  rc = wl_fcw_open(&b->v, rq, 0, staffing);
  if (rc == 0 && b->v.err[0])
    rc = wl_fcw_refuse(&b->v);
  else if (rc == 0)
    rc = answer(b, staffing ? wl_staffing_cols : wl_forecast_cols, staffing,
                wl_fcw_load_rows(b, staffing));
  wl_fcw_base_free(b);
  free(b);
  return rc;
}

int wl_api_forecast(wl_req *rq)
{
  return run(rq, 0);
}

int wl_api_staffing(wl_req *rq)
{
  return run(rq, 1);
}
