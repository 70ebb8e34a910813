/* GET /static/app.css and /static/app.js (assets.c), and / -> /sources. */
#include "web/web_int.h"

#include <string.h>

static int asset(wl_req *rq, const char *ctype, const char *body)
{
  rq->ctype = ctype;
  rq->cacheable = 1;
  return wl_buf_append(&rq->out, body, strlen(body));
}

int wl_static_css(wl_req *rq)
{
  return asset(rq, "text/css; charset=utf-8", wl_asset_css);
}

int wl_static_js(wl_req *rq)
{
  return asset(rq, "text/javascript; charset=utf-8", wl_asset_js);
}

int wl_page_home(wl_req *rq)
{
  return wl_redirect(rq, "/sources");
}
