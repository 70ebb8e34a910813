#include "cli/args.h"
#include "cli/cli.h"

#include <string.h>

static const wl_opt *find_opt(const wl_opt *opts, const char *arg, size_t len)
{
  for (const wl_opt *o = opts; o && o->name; o++)
    if (strlen(o->name) == len && strncmp(o->name, arg, len) == 0)
      return o;
  return NULL;
}

static const wl_opt_many *find_many(const wl_opt_many *m, const char *arg, size_t len)
{
  for (; m && m->name; m++)
    if (strlen(m->name) == len && strncmp(m->name, arg, len) == 0)
      return m;
  return NULL;
}

static int add_many(const char *cmd, const wl_opt_many *m, const char *v)
{
  if (*m->n >= m->max)
    return wl_cli_usage(cmd, "%s given more than %d times", m->name, m->max);
  m->many[(*m->n)++] = v;
  return 0;
}

int wl_args_parse(const char *cmd, int argc, char **argv, int first, const wl_opt *opts,
                  const char **pos, int *npos, int maxpos)
{
  return wl_args_parse_many(cmd, argc, argv, first, opts, NULL, pos, npos, maxpos);
}

int wl_args_parse_many(const char *cmd, int argc, char **argv, int first, const wl_opt *opts,
                       const wl_opt_many *multi, const char **pos, int *npos, int maxpos)
{
  int only_pos = 0;
  *npos = 0;
  for (int i = first; i < argc; i++) {
    const char *a = argv[i];
    if (!only_pos && strcmp(a, "--") == 0) {
      only_pos = 1;
    } else if (!only_pos && a[0] == '-' && a[1] == '-' && a[2]) {
      const char *eq = strchr(a, '=');
      size_t len = eq ? (size_t)(eq - a) : strlen(a);
      const wl_opt *o = find_opt(opts, a, len);
      const wl_opt_many *m = o ? NULL : find_many(multi, a, len);
      if (m) {
        int rc;
        if (!eq && i + 1 >= argc)
          return wl_cli_usage(cmd, "%s needs a value", m->name);
        if ((rc = add_many(cmd, m, eq ? eq + 1 : argv[++i])) != 0)
          return rc;
        continue;
      }
      if (!o)
        return wl_cli_usage(cmd, "unknown option '%.*s'", (int)len, a);
      if (o->value) {
        if (eq)
          *o->value = eq + 1;
        else if (i + 1 < argc)
          *o->value = argv[++i];
        else
          return wl_cli_usage(cmd, "%s needs a value", o->name);
      } else {
        if (eq)
          return wl_cli_usage(cmd, "%s takes no value", o->name);
        *o->flag = 1;
      }
    } else if (!only_pos && a[0] == '-' && a[1] && a[1] != '-') {
      return wl_cli_usage(cmd, "unknown option '%s'", a);
    } else {
      if (*npos >= maxpos)
        return wl_cli_usage(cmd, "unexpected argument '%s'", a);
      pos[(*npos)++] = a;
    }
  }
  return 0;
}

int wl_args_choice(int *out, const char *cmd, const char *flag, const char *value,
                   const char *const *choices)
{
  for (int i = 0; choices[i]; i++) {
    if (strcmp(value, choices[i]) == 0) {
      *out = i;
      return 0;
    }
  }
  return wl_cli_usage(cmd, "%s: '%s' is not one of the accepted values", flag, value);
}
