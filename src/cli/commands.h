#ifndef WL_CLI_COMMANDS_H
#define WL_CLI_COMMANDS_H
#include "cli/cli.h"

int wl_cmd_source(wl_cli_ctx *ctx, int argc, char **argv);
int wl_cmd_collect(wl_cli_ctx *ctx, int argc, char **argv);
int wl_cmd_backfill(wl_cli_ctx *ctx, int argc, char **argv);
int wl_cmd_serve(wl_cli_ctx *ctx, int argc, char **argv);
int wl_cmd_emulator(wl_cli_ctx *ctx, int argc, char **argv);
int wl_cmd_schedule(wl_cli_ctx *ctx, int argc, char **argv);
int wl_cmd_states(wl_cli_ctx *ctx, int argc, char **argv);
int wl_cmd_rules(wl_cli_ctx *ctx, int argc, char **argv);
int wl_cmd_verify(wl_cli_ctx *ctx, int argc, char **argv);
int wl_cmd_user(wl_cli_ctx *ctx, int argc, char **argv);
int wl_cmd_demo(wl_cli_ctx *ctx, int argc, char **argv);
int wl_cmd_report(wl_cli_ctx *ctx, int argc, char **argv);
int wl_cmd_forecast(wl_cli_ctx *ctx, int argc, char **argv);
int wl_cmd_volume(wl_cli_ctx *ctx, int argc, char **argv);
int wl_cmd_staffing(wl_cli_ctx *ctx, int argc, char **argv);
int wl_cmd_erlang(wl_cli_ctx *ctx, int argc, char **argv);
int wl_cmd_doctor(wl_cli_ctx *ctx, int argc, char **argv);
int wl_cmd_config(wl_cli_ctx *ctx, int argc, char **argv);

extern const char wl_help_source[];
/* `source --help`: the text above and the settings table. */
void wl_cli_source_help(FILE *f);
/* `wfmlink --man`: wfmlink(1) in roff, from the command table (man.c). */
int wl_cli_man(FILE *out, const wl_cmd *commands, const char *usage_notes);
extern const char wl_help_collect[];
extern const char wl_help_backfill[];
extern const char wl_help_serve[];
extern const char wl_help_report[];
extern const char wl_help_user[];
extern const char wl_help_demo[];
extern const char wl_help_schedule[];
extern const char wl_help_states[];
extern const char wl_help_rules[];
extern const char wl_help_verify[];
extern const char wl_help_forecast[];
extern const char wl_help_volume[];
extern const char wl_help_staffing[];
extern const char wl_help_erlang[];
extern const char wl_help_doctor[];
extern const char wl_help_config[];

#endif
