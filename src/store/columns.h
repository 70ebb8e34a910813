#ifndef WL_STORE_COLUMNS_H
#define WL_STORE_COLUMNS_H
/*
 * The column lists that both backends select, in the order their row
 * readers expect: the schema is the same on SQLite and PostgreSQL
 * (migrations.h), so the lists are written once.
 */
#define IV_COLS                                                                           \
  "queue_id, start_utc, entered, accepted, abandoned, handle_time_s, wait_time_s, final, " \
  "updated_at"
#define ST_COLS "agent_id, start_utc, end_utc, state, vendor_code"
#define SC_COLS "agent_id, start_utc, end_utc, activity"
#define RUN_COLS                                                                          \
  "id, source_id, kind, window_from, window_to, started, finished, outcome, pages, rows, " \
  "http_status, error, owner"

#endif
