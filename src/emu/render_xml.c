/* XML envelope: <agents><agent><agent-id>..</agent-id>..</agent></agents>. */
#include "emu/render.h"

int emu_xml_escape(wl_buf *b, const char *s, size_t n)
{
  int rc = 0;
  size_t run = 0;
  for (size_t i = 0; i < n && rc == 0; i++) {
    const char *esc = NULL;
    switch (s[i]) {
    case '&': esc = "&amp;"; break;
    case '<': esc = "&lt;"; break;
    case '>': esc = "&gt;"; break;
    case '"': esc = "&quot;"; break;
    case '\'': esc = "&apos;"; break;
    default: continue;
    }
    rc = wl_buf_append(b, s + run, i - run);
    if (rc == 0)
      rc = wl_buf_puts(b, esc);
    run = i + 1;
  }
  if (rc == 0)
    rc = wl_buf_append(b, s + run, n - run);
  return rc;
}

void emu_xml_open(emu_render *r)
{
  emu_put(r, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<");
  emu_put(r, r->root);
  emu_put(r, ">\n");
}

void emu_xml_record(emu_render *r, const int *order, int n)
{
  emu_put(r, "<");
  emu_put(r, r->item);
  emu_put(r, ">");
  for (int k = 0; k < n; k++) {
    int i = order[k];
    emu_put(r, "<");
    emu_put(r, r->f[i].name);
    emu_put(r, ">");
    emu_put_rc(r, emu_xml_escape(r->out, emu_fval(r, i), r->f[i].len));
    emu_put(r, "</");
    emu_put(r, r->f[i].name);
    emu_put(r, ">");
  }
  emu_put(r, "</");
  emu_put(r, r->item);
  emu_put(r, ">\n");
}

void emu_xml_close(emu_render *r)
{
  emu_put(r, "</");
  emu_put(r, r->root);
  emu_put(r, ">\n");
}
