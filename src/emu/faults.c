/*
 * The emulator's mutable knobs, all behind one mutex: the clock, the quirk
 * switches, pending faults, per-path request counts and loaded time zones.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/emu_int.h"
#include "emu/render.h"
#include "util/err.h"
#include "util/timeutil.h"

/* ---- clock ------------------------------------------------------------- */

static double mono_since(const struct timespec *a)
{
  struct timespec b;
  clock_gettime(CLOCK_MONOTONIC, &b);
  return (double)(b.tv_sec - a->tv_sec) + (double)(b.tv_nsec - a->tv_nsec) / 1e9;
}

int64_t emu_now(wl_emu *e)
{
  int64_t t;
  pthread_mutex_lock(&e->mu);
  if (e->fixed_now > 0)
    t = e->fixed_now;
  else if (e->cfg.speed == 1.0)
    t = wl_now(); /* follows WFMLINK_FAKE_NOW and test clocks */
  else
    t = e->anchor_sim + (int64_t)(mono_since(&e->anchor_mono) * e->cfg.speed);
  pthread_mutex_unlock(&e->mu);
  return t;
}

int64_t wl_emu_now(const wl_emu *emu)
{
  return emu_now((wl_emu *)emu);
}

void wl_emu_set_now(wl_emu *e, int64_t t)
{
  pthread_mutex_lock(&e->mu);
  e->fixed_now = t > 0 ? t : 0;
  if (t <= 0) {
    e->anchor_sim = wl_now();
    clock_gettime(CLOCK_MONOTONIC, &e->anchor_mono);
  }
  pthread_mutex_unlock(&e->mu);
}

/* ---- quirks ------------------------------------------------------------ */

static const struct {
  const char *name;
  unsigned bit;
} quirk_names[] = {{"single-object", WL_EMU_Q_SINGLE_OBJECT},
                   {"empty-string", WL_EMU_Q_EMPTY_STRING},
                   {"numbers-as-strings", WL_EMU_Q_NUMBERS_AS_STRINGS},
                   {"extra-fields", WL_EMU_Q_EXTRA_FIELDS},
                   {"durations-as-text", WL_EMU_Q_DURATIONS_AS_TEXT},
                   {"all", WL_EMU_Q_ALL},
                   {"none", 0}};

int wl_emu_parse_quirks(unsigned *out, const char *list)
{
  unsigned q = 0;
  const char *p = list ? list : "";
  while (*p) {
    size_t n = strcspn(p, ", ");
    size_t i, k = sizeof(quirk_names) / sizeof(quirk_names[0]);
    for (i = 0; n && i < k; i++)
      if (strlen(quirk_names[i].name) == n && strncmp(quirk_names[i].name, p, n) == 0)
        break;
    if (n && i == k)
      return wl_err(WL_EUSAGE, "unknown quirk '%.*s' (single-object, empty-string, "
                               "numbers-as-strings, extra-fields, durations-as-text, all, none)",
                    (int)(n > 40 ? 40 : n), p);
    if (n)
      q |= quirk_names[i].bit;
    p += n;
    p += *p != '\0';
  }
  *out = q;
  return 0;
}

unsigned emu_quirks(wl_emu *e)
{
  pthread_mutex_lock(&e->mu);
  unsigned q = e->quirks;
  pthread_mutex_unlock(&e->mu);
  return q;
}

void wl_emu_set_quirks(wl_emu *e, unsigned quirks)
{
  pthread_mutex_lock(&e->mu);
  e->quirks = quirks & WL_EMU_Q_ALL;
  pthread_mutex_unlock(&e->mu);
}

/* ---- faults ------------------------------------------------------------ */

static const char *const fault_names[] = {"none",     "500",     "503", "429",  "hang",
                                          "truncate", "badjson", "401", "reset"};

int emu_fault_kind(const char *name)
{
  for (int i = 0; i < (int)(sizeof(fault_names) / sizeof(fault_names[0])); i++)
    if (name && strcmp(name, fault_names[i]) == 0)
      return i;
  return -1;
}

const char *emu_fault_name(int kind)
{
  return kind >= 0 && kind <= EMU_FAULT_RESET ? fault_names[kind] : "?";
}

int wl_emu_add_fault(wl_emu *e, const char *kind, int count, const char *path_substr,
                     int retry_after)
{
  int k = emu_fault_kind(kind);
  if (k < 0)
    return wl_err(WL_EUSAGE, "unknown fault kind '%.40s' (500, 503, 429, hang, truncate, "
                             "badjson, 401, reset, none)", kind ? kind : "");
  if (k == EMU_FAULT_NONE) {
    wl_emu_clear_faults(e);
    return 0;
  }
  if (count < 1 || count > 1000000)
    return wl_err(WL_EUSAGE, "fault count must be 1..1000000");
  pthread_mutex_lock(&e->mu);
  if (e->nfaults >= EMU_MAX_FAULTS) {
    pthread_mutex_unlock(&e->mu);
    return wl_err(WL_EUSAGE, "too many pending faults (%d)", EMU_MAX_FAULTS);
  }
  emu_fault *f = &e->faults[e->nfaults++];
  f->kind = k;
  f->remaining = count;
  f->retry_after = retry_after > 0 ? retry_after : (k == EMU_FAULT_HANG ? 60 : 1);
  snprintf(f->path, sizeof(f->path), "%s", path_substr ? path_substr : "");
  pthread_mutex_unlock(&e->mu);
  return 0;
}

void wl_emu_clear_faults(wl_emu *e)
{
  pthread_mutex_lock(&e->mu);
  e->nfaults = 0;
  pthread_mutex_unlock(&e->mu);
}

int emu_fault_take(wl_emu *e, const char *path, emu_fault *out)
{
  int found = 0;
  pthread_mutex_lock(&e->mu);
  for (int i = 0; i < e->nfaults; i++) {
    emu_fault *f = &e->faults[i];
    if (f->path[0] && !strstr(path, f->path))
      continue;
    *out = *f;
    found = 1;
    if (--f->remaining == 0) {
      memmove(f, f + 1, (size_t)(e->nfaults - i - 1) * sizeof(*f));
      e->nfaults--;
    }
    break;
  }
  pthread_mutex_unlock(&e->mu);
  return found;
}

void emu_faults_csv(wl_emu *e, wl_buf *b)
{
  wl_buf_puts(b, "kind,count,path,retry_after\n");
  pthread_mutex_lock(&e->mu);
  for (int i = 0; i < e->nfaults; i++) {
    const emu_fault *f = &e->faults[i];
    wl_buf_printf(b, "%s,%d,", emu_fault_name(f->kind), f->remaining);
    emu_csv_field(b, f->path, 1);
    wl_buf_printf(b, ",%d\n", f->retry_after);
  }
  pthread_mutex_unlock(&e->mu);
}

/* ---- request counts ---------------------------------------------------- */

void emu_count_request(wl_emu *e, const char *path)
{
  pthread_mutex_lock(&e->mu);
  e->total_requests++;
  int i;
  for (i = 0; i < e->npaths; i++)
    if (strcmp(e->paths[i].path, path) == 0)
      break;
  if (i == e->npaths && e->npaths < EMU_MAX_PATHS && strlen(path) < sizeof(e->paths[0].path)) {
    snprintf(e->paths[i].path, sizeof(e->paths[i].path), "%s", path);
    e->paths[i].count = 0;
    e->npaths++;
  }
  if (i < e->npaths)
    e->paths[i].count++;
  pthread_mutex_unlock(&e->mu);
}

static int path_cmp(const void *a, const void *b)
{
  return strcmp(((const emu_pathcount *)a)->path, ((const emu_pathcount *)b)->path);
}

void emu_requests_csv(wl_emu *e, wl_buf *b)
{
  emu_pathcount *copy = NULL;
  int n;
  long total;
  pthread_mutex_lock(&e->mu);
  n = e->npaths;
  total = e->total_requests;
  if (n)
    copy = malloc((size_t)n * sizeof(*copy));
  if (copy)
    memcpy(copy, e->paths, (size_t)n * sizeof(*copy));
  pthread_mutex_unlock(&e->mu);
  wl_buf_puts(b, "path,count\n");
  if (copy) {
    qsort(copy, (size_t)n, sizeof(*copy), path_cmp);
    for (int i = 0; i < n; i++) {
      emu_csv_field(b, copy[i].path, 1);
      wl_buf_printf(b, ",%ld\n", copy[i].count);
    }
  }
  wl_buf_printf(b, "(all),%ld\n", total);
  free(copy);
}

long wl_emu_requests(const wl_emu *emu, const char *path)
{
  wl_emu *e = (wl_emu *)emu;
  long n = 0;
  pthread_mutex_lock(&e->mu);
  if (!path)
    n = e->total_requests;
  for (int i = 0; path && i < e->npaths; i++)
    if (strcmp(e->paths[i].path, path) == 0)
      n = e->paths[i].count;
  pthread_mutex_unlock(&e->mu);
  return n;
}

void wl_emu_reset_requests(wl_emu *e)
{
  pthread_mutex_lock(&e->mu);
  e->npaths = 0;
  e->total_requests = 0;
  pthread_mutex_unlock(&e->mu);
}

/* ---- zones, hanging, instants ------------------------------------------ */

int emu_zone(const wl_tz **out, wl_emu *e, const char *name)
{
  int rc = 0;
  if (!name || !*name || strcmp(name, e->tzname) == 0) {
    *out = e->tz;
    return 0;
  }
  pthread_mutex_lock(&e->mu);
  for (int i = 0; i < e->nzones; i++) {
    if (strcmp(e->zones[i].name, name) == 0) {
      *out = e->zones[i].tz;
      pthread_mutex_unlock(&e->mu);
      return 0;
    }
  }
  if (strlen(name) >= sizeof(e->zones[0].name) || e->nzones >= EMU_MAX_ZONES) {
    rc = wl_err(WL_EUSAGE, "time zone not available");
  } else {
    wl_tz *tz;
    rc = wl_tz_load(&tz, name);
    if (rc == 0) {
      snprintf(e->zones[e->nzones].name, sizeof(e->zones[0].name), "%s", name);
      e->zones[e->nzones++].tz = tz;
      *out = tz;
    }
  }
  pthread_mutex_unlock(&e->mu);
  return rc;
}

void emu_zones_free(wl_emu *e)
{
  for (int i = 0; i < e->nzones; i++)
    wl_tz_free(e->zones[i].tz);
  e->nzones = 0;
}

void emu_hang(wl_emu *e, int seconds)
{
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_sec += seconds;
  pthread_mutex_lock(&e->mu);
  while (!e->stopping)
    if (pthread_cond_timedwait(&e->cv, &e->mu, &until) == ETIMEDOUT)
      break;
  pthread_mutex_unlock(&e->mu);
}

int emu_parse_instant(int64_t *out, const char *s, const wl_tz *tz)
{
  char tmp[64];
  char *end;
  if (!s || !*s || strlen(s) >= sizeof(tmp))
    return wl_err(WL_EUSAGE, "missing or overlong time");
  long long v = strtoll(s, &end, 10);
  int rc = 0;
  if (*end == '\0') {
    *out = v;
  } else {
    snprintf(tmp, sizeof(tmp), "%s", s);
    /* A '+' sent unencoded in a query may arrive decoded as a space. */
    for (size_t i = 11; i < strlen(tmp); i++)
      if (tmp[i] == ' ')
        tmp[i] = '+';
    rc = wl_time_parse_arg(out, tmp, tz);
  }
  /* The simulated history spans 2000-2099: ids and days stay positive. */
  if (rc == 0 && (*out < 946684800LL || *out >= 4102444800LL))
    rc = wl_err(WL_EUSAGE, "time '%.40s' is outside 2000..2099", s);
  return rc;
}
