#ifndef WL_EMU_RENDER_H
#define WL_EMU_RENDER_H
/*
 * Writing lists of flat records as 8x8 does, in JSON, XML or CSV, with the
 * quirks of 8x8's XML-to-JSON mapping switchable on. A caller declares the
 * envelope and the number of records first (quirks depend on it), then adds
 * records field by field; the renderer buffers one record at a time.
 */
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

enum { EMU_FMT_XML, EMU_FMT_JSON, EMU_FMT_CSV };

/* Quirk bits; the same values as WL_EMU_Q_* in emu.h. */
enum {
  EMU_Q_SINGLE_OBJECT = 1,
  EMU_Q_EMPTY_STRING = 2,
  EMU_Q_NUMBERS_AS_STRINGS = 4,
  EMU_Q_EXTRA_FIELDS = 8,
  EMU_Q_DURATIONS_AS_TEXT = 16
};

#define EMU_MAX_FIELDS 40

enum { EMU_F_STR, EMU_F_INT, EMU_F_EMPTY };

typedef struct emu_field {
  const char *name; /* static */
  size_t off, len;  /* value in emu_render.val */
  int kind;
} emu_field;

typedef struct emu_render {
  wl_buf *out;
  int fmt;
  unsigned quirks;
  const char *outer; /* stats envelope ("interactions"), NULL for rtstats */
  const char *root;  /* XML root ("agents", "interactions") */
  const char *item;  /* repeated element ("agent", "interaction") */
  const char *const *cols; /* CSV columns */
  size_t ncols, count, index;
  emu_field f[EMU_MAX_FIELDS];
  int nf;
  wl_buf val;
  int rc;
} emu_render;

/* outer: for /stats the JSON wrapper ({"interactions": {"interaction": []}})
 * and the XML root; NULL for rtstats ({"agent": []}, XML root `root`). */
void emu_render_begin(emu_render *r, wl_buf *out, int fmt, unsigned quirks, const char *outer,
                      const char *root, const char *item, const char *const *cols, size_t ncols,
                      size_t count);
void emu_rec_begin(emu_render *r);
void emu_f_str(emu_render *r, const char *name, const char *v);
void emu_f_int(emu_render *r, const char *name, int64_t v);
void emu_f_empty(emu_render *r, const char *name);
void emu_rec_end(emu_render *r);
/* Returns 0 or the first error (buffer limit, out of memory). */
int emu_render_end(emu_render *r);

/* Per-format halves (render_json.c, render_xml.c, render_csv.c). */
void emu_json_open(emu_render *r);
void emu_json_record(emu_render *r, const int *order, int n);
void emu_json_close(emu_render *r);
void emu_xml_open(emu_render *r);
void emu_xml_record(emu_render *r, const int *order, int n);
void emu_xml_close(emu_render *r);
void emu_csv_open(emu_render *r);
void emu_csv_record(emu_render *r);

/* Appends to r->out, remembering the first failure in r->rc. */
void emu_put(emu_render *r, const char *s);
void emu_put_rc(emu_render *r, int rc);
/* The value of field i as a NUL-terminated string. */
const char *emu_fval(const emu_render *r, int i);

/* Escapers appending to b. */
int emu_json_escape(wl_buf *b, const char *s, size_t n);
int emu_xml_escape(wl_buf *b, const char *s, size_t n);
/* A CSV field (quoted when needed), preceded by ',' unless first. */
int emu_csv_field(wl_buf *b, const char *s, int first);

#endif
