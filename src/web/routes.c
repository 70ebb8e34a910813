/* The route table, from routes.def (web_int.h declares the handlers from
 * the same file). */
#include "web/web_int.h"

#include <stddef.h>

const wl_route wl_routes[] = {
#define WL_ROUTE(method, pattern, fn, nav, flags) {method, pattern, fn, nav, flags},
#include "web/routes.def"
#undef WL_ROUTE
  {NULL, NULL, NULL, NULL, 0},
};
