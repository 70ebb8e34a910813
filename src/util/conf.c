#include "util/conf.h"
#include "util/err.h"
#include "util/log.h"
#include "util/str.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

const wl_conf_key wl_conf_keys[] = {
  {"db", "the database: sqlite:PATH or postgresql://... (like --db)"},
  {"key-file", "the key file that encrypts stored tokens (like $WFMLINK_KEY_FILE)"},
  {"listen", "the web page's address (like serve --listen)"},
  {"metrics-listen", "a separate address serving only /metrics (like serve --metrics-listen)"},
  {"tls-cert", "PEM certificate for HTTPS (with tls-key)"},
  {"tls-key", "PEM private key for HTTPS (with tls-cert)"},
  {"log-level", "debug, info, warn or error"},
  {"log-format", "text or json"},
  {NULL, NULL},
};

#define LINE_MAX_LEN 2048

static char *trim(char *s)
{
  size_t n = strlen(s);
  while (*s == ' ' || *s == '\t')
    s++, n--;
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
    s[--n] = '\0';
  return s;
}

/* Where key's value goes, with its capacity; NULL for an unknown key. */
static char *slot(wl_conf *c, const char *key, size_t *cap)
{
  struct { const char *k; char *v; size_t n; } map[] = {
    {"db", c->db, sizeof(c->db)},
    {"key-file", c->key_file, sizeof(c->key_file)},
    {"listen", c->listen, sizeof(c->listen)},
    {"metrics-listen", c->metrics_listen, sizeof(c->metrics_listen)},
    {"tls-cert", c->tls_cert, sizeof(c->tls_cert)},
    {"tls-key", c->tls_key, sizeof(c->tls_key)},
    {"log-level", c->log_level, sizeof(c->log_level)},
    {"log-format", c->log_format, sizeof(c->log_format)},
  };
  for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
    if (strcmp(map[i].k, key) == 0) {
      *cap = map[i].n;
      return map[i].v;
    }
  return NULL;
}

static int check_value(const char *key, const char *v)
{
  enum wl_log_level lvl;
  if (strcmp(key, "log-level") == 0 && wl_log_parse_level(&lvl, v) != 0)
    return wl_err(WL_EUSAGE, "log-level: '%s' is not one of debug, info, warn, error", v);
  if (strcmp(key, "log-format") == 0 && strcmp(v, "text") != 0 && strcmp(v, "json") != 0)
    return wl_err(WL_EUSAGE, "log-format: '%s' is not text or json", v);
  return 0;
}

/* One non-blank, non-comment line. */
static int parse_line(wl_conf *c, char *line)
{
  char *eq = strchr(line, '='), *key, *val, *dst;
  size_t cap, n;
  if (!eq)
    return wl_err(WL_EUSAGE, "expected 'key = value'");
  *eq = '\0';
  key = trim(line);
  val = trim(eq + 1);
  if (!(dst = slot(c, key, &cap)))
    return wl_err(WL_EUSAGE, "unknown key '%s' (known: db, key-file, listen, metrics-listen, "
                             "tls-cert, tls-key, log-level, log-format)", key);
  n = strlen(val);
  if (n >= 2 && val[0] == '"' && val[n - 1] == '"') {
    val[n - 1] = '\0';
    val++;
  } else if (n && (val[0] == '"' || val[n - 1] == '"')) {
    return wl_err(WL_EUSAGE, "%s: unbalanced quote", key);
  }
  if (!*val)
    return wl_err(WL_EUSAGE, "%s: empty value", key);
  if (*dst)
    return wl_err(WL_EUSAGE, "%s: set twice", key);
  if (wl_strlcpy(dst, cap, val) != 0)
    return wl_err(WL_EUSAGE, "%s: value longer than %zu bytes", key, cap - 1);
  c->n++;
  return check_value(key, val);
}

static int read_lines(wl_conf *c, FILE *f, int *lineno)
{
  char line[LINE_MAX_LEN];
  int rc;
  while (fgets(line, sizeof(line), f)) {
    (*lineno)++;
    size_t n = strlen(line);
    if (n == sizeof(line) - 1 && line[n - 1] != '\n')
      return wl_err(WL_EUSAGE, "line longer than %d bytes", LINE_MAX_LEN - 2);
    char *s = trim(line);
    if (!*s || *s == '#')
      continue;
    for (char *p = s; *p; p++)
      if ((unsigned char)*p < 0x20 && *p != '\t')
        return wl_err(WL_EUSAGE, "control character in the line");
    if ((rc = parse_line(c, s)) != 0)
      return rc;
  }
  return ferror(f) ? wl_err(WL_EFAIL, "read error") : 0;
}

int wl_conf_load(wl_conf *c, const char *path)
{
  FILE *f;
  int lineno = 0, rc;
  memset(c, 0, sizeof(*c));
  wl_strlcpy(c->path, sizeof(c->path), path);
  if (!(f = fopen(path, "r"))) {
    if (errno == ENOENT)
      return wl_err(WL_ENOTFOUND, "%s: no such configuration file", path);
    return wl_err(WL_EFAIL, "%s: %s", path, strerror(errno));
  }
  rc = read_lines(c, f, &lineno);
  fclose(f);
  if (rc)
    return wl_err_wrap(rc, "%s:%d", path, lineno);
  /* a certificate without its key cannot serve: say so before serving */
  if (!c->tls_cert[0] != !c->tls_key[0])
    return wl_err(WL_EUSAGE, "%s: tls-cert and tls-key go together", path);
  return 0;
}
