/*
 * Request accessors and response helpers: what every handler (and the
 * login code in auth.c) uses to read a request and shape its answer. Kept
 * apart from server.c so that auth.c and server.c do not depend on each
 * other.
 */
#include "web/web_int.h"
#include "util/err.h"

#include <jansson.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *wl_req_query(wl_req *rq, const char *key)
{
  return MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, key);
}

const char *wl_req_header(wl_req *rq, const char *name)
{
  return MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, name);
}

const char *wl_req_cookie(wl_req *rq, const char *name)
{
  return MHD_lookup_connection_value(rq->conn, MHD_COOKIE_KIND, name);
}

int wl_req_wants_json(wl_req *rq)
{
  const char *a = wl_req_header(rq, MHD_HTTP_HEADER_ACCEPT);
  return a && strstr(a, "application/json") != NULL;
}

int wl_redirect(wl_req *rq, const char *location)
{
  rq->status = MHD_HTTP_SEE_OTHER;
  snprintf(rq->location, sizeof(rq->location), "%s", location);
  return 0;
}

int wl_set_cookie(wl_req *rq, const char *name, const char *value, int max_age)
{
  if (rq->ncookies == 2)
    return wl_err(WL_EFAIL, "too many cookies in one answer");
  snprintf(rq->cookies[rq->ncookies++], sizeof(rq->cookies[0]),
           "%s=%s; Path=/; Max-Age=%d; HttpOnly; SameSite=Strict%s", name, value, max_age,
           rq->web->tls ? "; Secure" : "");
  return 0;
}

int wl_req_is_api(const wl_req *rq)
{
  return strncmp(rq->path, "/api/", 5) == 0 || (rq->route && (rq->route->flags & WL_R_API));
}

int wl_error_page(wl_req *rq, int status, const char *title, const char *msg)
{
  wl_buf_reset(&rq->out);
  rq->status = status;
  if (wl_req_is_api(rq)) {
    json_t *j = json_pack("{s:s}", "error", msg);
    char *txt = j ? json_dumps(j, JSON_COMPACT) : NULL;
    rq->ctype = "application/json";
    wl_buf_puts(&rq->out, txt ? txt : "{\"error\":\"out of memory\"}");
    wl_buf_puts(&rq->out, "\n");
    free(txt);
    json_decref(j);
    return 0;
  }
  wl_page_begin(rq, title);
  wl_html(&rq->out, "<h1>%s</h1><div class=\"card\"><p>%s</p>", title, msg);
  if (status == MHD_HTTP_FORBIDDEN || status == MHD_HTTP_NOT_FOUND)
    wl_buf_puts(&rq->out, "<p><a href=\"/sources\">Back to the sources</a></p>");
  wl_buf_puts(&rq->out, "</div>");
  wl_page_end(rq);
  return 0;
}

