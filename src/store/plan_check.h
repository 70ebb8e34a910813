#ifndef WL_STORE_PLAN_CHECK_H
#define WL_STORE_PLAN_CHECK_H
/* Validation of the planning rows (issue 12), part of the store's front:
 * store.c checks with these before it calls a backend, so every backend
 * refuses the same input with the same message. */
#include "store/store.h"

int plan_check_import(const wl_vol_import_row *row);
int plan_check_special(const wl_special_day_row *row);
int plan_check_upsert(const wl_interval_row *rows, size_t n);
int plan_check_saved(const wl_fc_saved_row *hdr, const wl_fc_value_row *rows, size_t n);

#endif
