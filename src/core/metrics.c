#include "core/metrics.h"
#include "util/err.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* Sources beyond this are not counted (a warning would repeat per poll);
 * far above what one instance collects. */
#define MAX_SOURCES 256
#define MAX_WEB 256
#define NREASON 5
#define NKIND 2
#define NBUCKET 11

static const char *const reasons[NREASON] = {"ok", "auth", "timeout", "error", "interrupted"};
static const char *const kinds[NKIND] = {"historical", "backfill"};
static const char *const apis[WL_API_N] = {"rtstats", "queues", "interactions"};
/* enum wl_stream_mode's order (core/stream.h) */
static const char *const stream_modes[] = {"off", "live", "reconnecting", "polling_only"};
#define NMODE (sizeof(stream_modes) / sizeof(stream_modes[0]))
/* seconds: 8x8 answers in tens of milliseconds to tens of seconds */
static const double bounds[NBUCKET] = {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};

typedef struct hist {
  uint64_t le[NBUCKET]; /* not cumulative here: summed when rendered */
  uint64_t count;
  double sum;
} hist;

typedef struct src_metrics {
  char name[64];
  uint64_t rt[NREASON];
  int64_t agents;
  uint64_t changes;
  uint64_t win[NKIND][NREASON];
  uint64_t rows[NKIND];
  hist http[WL_API_N];
  uint64_t retries[WL_API_N];
  int lease; /* -1: never decided (not serving) */
  int streamed; /* the stream series are shown once the source streamed */
  uint64_t stream[WL_MS_N];
  int stream_mode;
} src_metrics;

typedef struct web_metrics {
  const char *method, *route; /* static strings from routes.def */
  int status;
  uint64_t n;
} web_metrics;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static src_metrics srcs[MAX_SOURCES];
static size_t nsrcs;
static web_metrics webs[MAX_WEB];
static size_t nwebs;
static hist store_tx;
static time_t started;

/* the process start, for wfmlink_process_start_time_seconds */
__attribute__((constructor)) static void note_start(void) { started = time(NULL); }

const char *wl_metrics_reason(int rc)
{
  switch (rc) {
  case 0: return "ok";
  case WL_EAUTH: return "auth";
  case WL_ETIMEOUT: return "timeout";
  case WL_EINTR: return "interrupted";
  default: return "error";
  }
}

static int reason_index(int rc)
{
  const char *r = wl_metrics_reason(rc);
  for (int i = 0; i < NREASON; i++)
    if (strcmp(reasons[i], r) == 0)
      return i;
  return 3;
}

/* Under mu: the source's slot, created on first use, or NULL when full. */
static src_metrics *slot(const char *source)
{
  for (size_t i = 0; i < nsrcs; i++)
    if (strcmp(srcs[i].name, source) == 0)
      return &srcs[i];
  if (nsrcs == MAX_SOURCES)
    return NULL;
  src_metrics *s = &srcs[nsrcs++];
  memset(s, 0, sizeof(*s));
  snprintf(s->name, sizeof(s->name), "%s", source);
  s->lease = -1;
  return s;
}

static void observe(hist *h, double v)
{
  for (int i = 0; i < NBUCKET; i++)
    if (v <= bounds[i]) {
      h->le[i]++;
      break;
    }
  h->count++;
  h->sum += v;
}

void wl_metrics_rt_poll(const char *source, int rc, int64_t agents, int64_t changes)
{
  pthread_mutex_lock(&mu);
  src_metrics *s = slot(source);
  if (s) {
    s->rt[reason_index(rc)]++;
    if (rc == 0) {
      s->agents = agents;
      s->changes += (uint64_t)changes;
    }
  }
  pthread_mutex_unlock(&mu);
}

void wl_metrics_window(const char *source, const char *kind, int rc, int64_t rows)
{
  int k = strcmp(kind, "backfill") == 0;
  pthread_mutex_lock(&mu);
  src_metrics *s = slot(source);
  if (s) {
    s->win[k][reason_index(rc)]++;
    if (rc == 0)
      s->rows[k] += (uint64_t)rows;
  }
  pthread_mutex_unlock(&mu);
}

void wl_metrics_http(const char *source, enum wl_metrics_api api, double seconds)
{
  pthread_mutex_lock(&mu);
  src_metrics *s = slot(source);
  if (s)
    observe(&s->http[api], seconds);
  pthread_mutex_unlock(&mu);
}

void wl_metrics_retry(const char *source, enum wl_metrics_api api)
{
  pthread_mutex_lock(&mu);
  src_metrics *s = slot(source);
  if (s)
    s->retries[api]++;
  pthread_mutex_unlock(&mu);
}

void wl_metrics_lease(const char *source, int held)
{
  pthread_mutex_lock(&mu);
  src_metrics *s = slot(source);
  if (s)
    s->lease = held ? 1 : 0;
  pthread_mutex_unlock(&mu);
}

void wl_metrics_stream(const char *source, enum wl_metrics_stream what, int64_t n)
{
  pthread_mutex_lock(&mu);
  src_metrics *s = slot(source);
  if (s && what < WL_MS_N && n > 0) {
    s->streamed = 1;
    s->stream[what] += (uint64_t)n;
  }
  pthread_mutex_unlock(&mu);
}

void wl_metrics_stream_mode(const char *source, int mode)
{
  pthread_mutex_lock(&mu);
  src_metrics *s = slot(source);
  if (s && mode >= 0 && (size_t)mode < NMODE) {
    s->streamed = 1;
    s->stream_mode = mode;
  }
  pthread_mutex_unlock(&mu);
}

void wl_metrics_store_tx(double seconds)
{
  pthread_mutex_lock(&mu);
  observe(&store_tx, seconds);
  pthread_mutex_unlock(&mu);
}

void wl_metrics_web(const char *method, const char *route, int status)
{
  pthread_mutex_lock(&mu);
  size_t i;
  for (i = 0; i < nwebs; i++)
    if (webs[i].status == status && strcmp(webs[i].method, method) == 0 &&
        strcmp(webs[i].route, route) == 0)
      break;
  if (i == nwebs && nwebs < MAX_WEB)
    webs[nwebs++] = (web_metrics){method, route, status, 0};
  if (i < nwebs)
    webs[i].n++;
  pthread_mutex_unlock(&mu);
}

void wl_metrics_reset(void)
{
  pthread_mutex_lock(&mu);
  nsrcs = 0;
  nwebs = 0;
  memset(&store_tx, 0, sizeof(store_tx));
  pthread_mutex_unlock(&mu);
}

int wl_metrics_label(wl_buf *out, const char *value)
{
  int rc = wl_buf_puts(out, "\"");
  for (const char *p = value; *p && rc == 0; p++) {
    if (*p == '\\')
      rc = wl_buf_puts(out, "\\\\");
    else if (*p == '"')
      rc = wl_buf_puts(out, "\\\"");
    else if (*p == '\n')
      rc = wl_buf_puts(out, "\\n");
    else
      rc = wl_buf_append(out, p, 1);
  }
  return rc ? rc : wl_buf_puts(out, "\"");
}

static int family(wl_buf *b, const char *name, const char *type, const char *help)
{
  return wl_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

int wl_metrics_gauge(wl_buf *out, const char *name, const char *help)
{
  return family(out, name, "gauge", help);
}

int wl_metrics_sample(wl_buf *out, const char *name, const char *source, const char *extra,
                      long long v)
{
  int rc = wl_buf_printf(out, "%s{source=", name);
  if (rc == 0)
    rc = wl_metrics_label(out, source);
  return rc ? rc : wl_buf_printf(out, "%s%s} %lld\n", extra ? "," : "", extra ? extra : "", v);
}

/* name{source="S"[,extra]} */
static int series(wl_buf *b, const char *name, const char *source, const char *extra)
{
  int rc = wl_buf_printf(b, "%s{source=", name);
  if (rc == 0)
    rc = wl_metrics_label(b, source);
  if (rc == 0 && extra)
    rc = wl_buf_printf(b, ",%s", extra);
  return rc ? rc : wl_buf_puts(b, "} ");
}

/* Buckets are cumulative in the format; labels is "" or `source="x",api="y",`. */
static int render_hist(wl_buf *b, const char *name, const char *labels, const hist *h)
{
  uint64_t cum = 0;
  int rc = 0;
  for (int i = 0; i < NBUCKET && rc == 0; i++) {
    cum += h->le[i];
    rc = wl_buf_printf(b, "%s_bucket{%sle=\"%g\"} %llu\n", name, labels, bounds[i],
                       (unsigned long long)cum);
  }
  if (rc == 0)
    rc = wl_buf_printf(b, "%s_bucket{%sle=\"+Inf\"} %llu\n", name, labels,
                       (unsigned long long)h->count);
  /* the labels end in ',' for the buckets; the sum and count lines drop it */
  size_t n = strlen(labels);
  if (rc == 0 && n)
    rc = wl_buf_printf(b, "%s_sum{%.*s} %.6f\n%s_count{%.*s} %llu\n", name, (int)(n - 1),
                       labels, h->sum, name, (int)(n - 1), labels, (unsigned long long)h->count);
  else if (rc == 0)
    rc = wl_buf_printf(b, "%s_sum %.6f\n%s_count %llu\n", name, h->sum, name,
                       (unsigned long long)h->count);
  return rc;
}

static int render_rt(wl_buf *b)
{
  int rc = family(b, "wfmlink_rt_polls_total", "counter",
                  "Real-time polls of agent states by outcome (ok or the failure reason).");
  for (size_t i = 0; i < nsrcs && rc == 0; i++)
    for (int r = 0; r < NREASON && rc == 0; r++) {
      char extra[40];
      snprintf(extra, sizeof(extra), "outcome=\"%s\"", reasons[r]);
      if ((rc = series(b, "wfmlink_rt_polls_total", srcs[i].name, extra)) == 0)
        rc = wl_buf_printf(b, "%llu\n", (unsigned long long)srcs[i].rt[r]);
    }
  if (rc == 0)
    rc = family(b, "wfmlink_rt_agents_seen", "gauge", "Agents in the last successful poll.");
  for (size_t i = 0; i < nsrcs && rc == 0; i++)
    if ((rc = series(b, "wfmlink_rt_agents_seen", srcs[i].name, NULL)) == 0)
      rc = wl_buf_printf(b, "%lld\n", (long long)srcs[i].agents);
  if (rc == 0)
    rc = family(b, "wfmlink_rt_state_changes_total", "counter",
                "Agent state changes written by the real-time collector.");
  for (size_t i = 0; i < nsrcs && rc == 0; i++)
    if ((rc = series(b, "wfmlink_rt_state_changes_total", srcs[i].name, NULL)) == 0)
      rc = wl_buf_printf(b, "%llu\n", (unsigned long long)srcs[i].changes);
  return rc;
}

static int render_hist_windows(wl_buf *b)
{
  int rc = family(b, "wfmlink_hist_windows_total", "counter",
                  "Historical windows pulled, by kind and outcome.");
  for (size_t i = 0; i < nsrcs && rc == 0; i++)
    for (int k = 0; k < NKIND; k++)
      for (int r = 0; r < NREASON && rc == 0; r++) {
        char extra[64];
        snprintf(extra, sizeof(extra), "kind=\"%s\",outcome=\"%s\"", kinds[k], reasons[r]);
        if ((rc = series(b, "wfmlink_hist_windows_total", srcs[i].name, extra)) == 0)
          rc = wl_buf_printf(b, "%llu\n", (unsigned long long)srcs[i].win[k][r]);
      }
  if (rc == 0)
    rc = family(b, "wfmlink_hist_rows_total", "counter",
                "15-minute queue rows stored by historical windows.");
  for (size_t i = 0; i < nsrcs && rc == 0; i++)
    for (int k = 0; k < NKIND && rc == 0; k++) {
      char extra[32];
      snprintf(extra, sizeof(extra), "kind=\"%s\"", kinds[k]);
      if ((rc = series(b, "wfmlink_hist_rows_total", srcs[i].name, extra)) == 0)
        rc = wl_buf_printf(b, "%llu\n", (unsigned long long)srcs[i].rows[k]);
    }
  return rc;
}

static int render_http(wl_buf *b)
{
  int rc = family(b, "wfmlink_http_request_duration_seconds", "histogram",
                  "Time of each request to the 8x8 API, by API.");
  for (size_t i = 0; i < nsrcs && rc == 0; i++)
    for (int a = 0; a < WL_API_N && rc == 0; a++) {
      wl_buf l;
      wl_buf_init(&l, 512);
      if ((rc = wl_buf_puts(&l, "source=")) == 0 && (rc = wl_metrics_label(&l, srcs[i].name)) == 0 &&
          (rc = wl_buf_printf(&l, ",api=\"%s\",", apis[a])) == 0)
        rc = render_hist(b, "wfmlink_http_request_duration_seconds", l.ptr, &srcs[i].http[a]);
      wl_buf_free(&l);
    }
  if (rc == 0)
    rc = family(b, "wfmlink_http_retries_total", "counter",
                "Requests to the 8x8 API retried after a transient failure.");
  for (size_t i = 0; i < nsrcs && rc == 0; i++)
    for (int a = 0; a < WL_API_N && rc == 0; a++) {
      char extra[32];
      snprintf(extra, sizeof(extra), "api=\"%s\"", apis[a]);
      if ((rc = series(b, "wfmlink_http_retries_total", srcs[i].name, extra)) == 0)
        rc = wl_buf_printf(b, "%llu\n", (unsigned long long)srcs[i].retries[a]);
    }
  return rc;
}

static const struct {
  const char *name, *help;
} stream_counters[WL_MS_N] = {
  {"wfmlink_stream_events_applied_total", "Agent state events of the event stream applied to the timeline."},
  {"wfmlink_stream_duplicates_total", "Stream events ignored as already stored (repeats, catch-up overlap)."},
  {"wfmlink_stream_bad_frames_total", "Stream frames skipped as unreadable or implausible."},
  {"wfmlink_stream_mismatches_total", "Agent states the reconciling poll found different from the stream's."},
  {"wfmlink_stream_reconnects_total", "Live event stream connections closed by the server or the network (each is reopened)."},
};

/* Only sources that streamed: the others would show a page of zeros. */
static int render_stream(wl_buf *b)
{
  int rc = 0;
  for (int k = 0; k < WL_MS_N && rc == 0; k++) {
    rc = family(b, stream_counters[k].name, "counter", stream_counters[k].help);
    for (size_t i = 0; i < nsrcs && rc == 0; i++)
      if (srcs[i].streamed && (rc = series(b, stream_counters[k].name, srcs[i].name, NULL)) == 0)
        rc = wl_buf_printf(b, "%llu\n", (unsigned long long)srcs[i].stream[k]);
  }
  if (rc == 0)
    rc = family(b, "wfmlink_stream_mode", "gauge",
                "1 for the event stream's current mode (off, live, reconnecting, polling_only).");
  for (size_t i = 0; i < nsrcs && rc == 0; i++)
    for (size_t m = 0; m < NMODE && rc == 0 && srcs[i].streamed; m++) {
      char extra[40];
      snprintf(extra, sizeof(extra), "mode=\"%s\"", stream_modes[m]);
      if ((rc = series(b, "wfmlink_stream_mode", srcs[i].name, extra)) == 0)
        rc = wl_buf_printf(b, "%d\n", srcs[i].stream_mode == (int)m);
    }
  return rc;
}

static int render_process(wl_buf *b)
{
  int rc = family(b, "wfmlink_process_start_time_seconds", "gauge", "Unix time the process started.");
  if (rc == 0)
    rc = wl_buf_printf(b, "wfmlink_process_start_time_seconds %lld\n", (long long)started);
  if (rc == 0)
    rc = family(b, "wfmlink_lease_held", "gauge",
                  "1 while this process holds the source's collection lease, 0 while another does.");
  for (size_t i = 0; i < nsrcs && rc == 0; i++)
    if (srcs[i].lease >= 0 && (rc = series(b, "wfmlink_lease_held", srcs[i].name, NULL)) == 0)
      rc = wl_buf_printf(b, "%d\n", srcs[i].lease);
  if (rc == 0)
    rc = family(b, "wfmlink_store_transaction_duration_seconds", "histogram",
                "Time of the collectors' store write transactions.");
  if (rc == 0)
    rc = render_hist(b, "wfmlink_store_transaction_duration_seconds", "", &store_tx);
  if (rc == 0)
    rc = family(b, "wfmlink_web_requests_total", "counter",
                "Web requests answered, by route pattern and status.");
  for (size_t i = 0; i < nwebs && rc == 0; i++)
    rc = wl_buf_printf(b, "wfmlink_web_requests_total{method=\"%s\",route=\"%s\",status=\"%d\"} %llu\n",
                       webs[i].method, webs[i].route, webs[i].status,
                       (unsigned long long)webs[i].n);
  return rc;
}

int wl_metrics_render(wl_buf *out)
{
  int rc;
  pthread_mutex_lock(&mu);
  if ((rc = render_rt(out)) == 0 && (rc = render_hist_windows(out)) == 0 &&
      (rc = render_http(out)) == 0 && (rc = render_stream(out)) == 0)
    rc = render_process(out);
  pthread_mutex_unlock(&mu);
  return rc;
}
