#ifndef WL_CORE_APP_H
#define WL_CORE_APP_H
/*
 * What every command and the service share: the open store and the path of
 * the key file that encrypts tokens (util/secret.h).
 */
#include <stddef.h>
#include "store/store.h"

typedef struct wl_app {
  wl_store *st;
  char key_path[4096];
  char owner[96]; /* this process in the runs it records (core/runs.h) */
} wl_app;

int wl_app_open(wl_app **out, const char *dsn);
void wl_app_free(wl_app *app);

/* The schema version of the open database (the health check reads it). */
int wl_app_schema_version(wl_app *app, int *out);
/* Looks a source up by name; WL_ENOTFOUND names it. */
int wl_app_source(wl_app *app, wl_source *out, const char *name);

/* Tokens. read: from file if given, else $WFMLINK_TOKEN (env_name), else
 * stdin (prompting without echo on a terminal). *out NULL when nothing was
 * given on a non-terminal stdin. The caller wipes and frees *out. */
int wl_token_read(char **out, const char *file, const char *flag, const char *env_name,
                  const char *prompt);
int wl_token_store(wl_app *app, int64_t source_id, enum wl_token_kind kind, const char *token);
/* The token for kind; the historical one falls back to the real-time one. */
int wl_token_load(char **out, wl_app *app, const wl_source *src, enum wl_token_kind kind);
void wl_token_free(char *token);

/* Prompts on stderr and reads one line from the terminal without echo. */
void wl_read_hidden_line(char *buf, size_t cap, const char *prompt);

#endif
