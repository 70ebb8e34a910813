#include "util/array.h"
#include "util/err.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int wl_array_reserve(void *arrp, size_t *cap, size_t n, size_t elem, size_t first)
{
  void *arr, *p;
  size_t nc;
  if (n < *cap)
    return 0;
  nc = *cap ? *cap : first;
  while (nc <= n)
    nc *= 2;
  if (nc > SIZE_MAX / elem)
    return wl_err(WL_ENOMEM, "out of memory");
  memcpy(&arr, arrp, sizeof(arr)); /* arrp may point at any T * */
  if (!(p = realloc(arr, nc * elem)))
    return wl_err(WL_ENOMEM, "out of memory");
  memcpy(arrp, &p, sizeof(p));
  *cap = nc;
  return 0;
}
