#ifndef WL_CLI_ARGS_H
#define WL_CLI_ARGS_H
/* A small option parser: --flag VALUE, --flag=VALUE and boolean --flag.
 * Unknown flags and missing values are usage errors naming the flag. */

typedef struct wl_opt {
  const char *name;    /* "--from" */
  const char **value;  /* set for options with a value; NULL for booleans */
  int *flag;           /* set to 1 for booleans */
} wl_opt;

/* Parses argv[first..argc); positionals go to pos (at most maxpos).
 * Returns 0, or 2 after printing a usage error for `cmd`. */
int wl_args_parse(const char *cmd, int argc, char **argv, int first, const wl_opt *opts,
                  const char **pos, int *npos, int maxpos);

/* A repeatable option (--queue A --queue B): each value is appended to
 * many (at most max; more is a usage error naming the option). */
typedef struct wl_opt_many {
  const char *name;
  const char **many;
  int *n;
  int max;
} wl_opt_many;

/* wl_args_parse with repeatable options besides opts (multi ends with a
 * NULL name; may be NULL). */
int wl_args_parse_many(const char *cmd, int argc, char **argv, int first, const wl_opt *opts,
                       const wl_opt_many *multi, const char **pos, int *npos, int maxpos);

/* --format: returns 0 and sets *out to the index in choices, or prints an
 * error naming --format and returns 2. */
int wl_args_choice(int *out, const char *cmd, const char *flag, const char *value,
                   const char *const *choices);

#endif
