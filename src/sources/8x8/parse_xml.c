/*
 * 8x8 XML answers -> the JSON tree 8x8 itself derives from them, so that
 * parse_json.c holds the only record logic and both formats give the same
 * records by construction.
 *
 * Mapping (what 8x8's XML-to-JSON step does): an element with child
 * elements becomes an object keyed by child name, a repeated child becomes
 * an array, a leaf becomes its text ("" when empty). Text mixed with child
 * elements (indentation) and attributes are dropped.
 *
 * Safety: expat gets exactly len bytes; a document type declaration is
 * refused outright (8x8 sends none, and refusing it rules out entity
 * expansion); nesting is capped; without a DTD a leaf's text is never longer
 * than the input, so memory stays proportional to len.
 */
#include "sources/8x8/parse.h"
#include "util/array.h"
#include "util/err.h"

#include <expat.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 8x8 answers nest four levels; 64 leaves ample room for oddities. */
#define XML_MAX_DEPTH 64

typedef struct xml_frame {
  char *name;
  json_t *obj; /* NULL until the first child element arrives */
  char *text;
  size_t tlen, tcap;
} xml_frame;

typedef struct xml_ctx {
  XML_Parser p;
  xml_frame stack[XML_MAX_DEPTH];
  int depth;
  json_t *root;
  char *root_name;
  size_t root_name_size;
  int failed; /* a handler stopped the parser and recorded the message */
} xml_ctx;

static void ctx_fail(xml_ctx *c, int code, const char *msg)
{
  if (!c->failed)
    wl_err(code, "%s", msg);
  c->failed = code;
  XML_StopParser(c->p, XML_FALSE);
}

static void frame_clear(xml_frame *f)
{
  free(f->name);
  free(f->text);
  json_decref(f->obj);
  memset(f, 0, sizeof(*f));
}

static int text_append(xml_frame *f, const char *s, size_t n)
{
  if (wl_array_reserve(&f->text, &f->tcap, f->tlen + n, 1, 64) != 0) /* room for the NUL */
    return -1;
  memcpy(f->text + f->tlen, s, n);
  f->tlen += n;
  f->text[f->tlen] = '\0';
  return 0;
}

/* Repeated children turn into an array, as in 8x8's JSON. */
static int add_child(json_t *obj, const char *name, json_t *v)
{
  json_t *old = json_object_get(obj, name);
  json_t *arr;
  if (!old)
    return json_object_set_new(obj, name, v);
  if (json_is_array(old))
    return json_array_append_new(old, v);
  arr = json_array();
  if (!arr || json_array_append(arr, old) != 0) {
    json_decref(arr);
    json_decref(v);
    return -1;
  }
  if (json_array_append_new(arr, v) != 0) {
    json_decref(arr);
    return -1;
  }
  return json_object_set_new(obj, name, arr);
}

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
  xml_ctx *c = ud;
  xml_frame *f;
  (void)attrs;
  if (c->failed)
    return;
  if (c->depth == XML_MAX_DEPTH) {
    ctx_fail(c, WL_EFAIL, "invalid XML: elements nested too deeply");
    return;
  }
  if (c->depth > 0) {
    xml_frame *parent = &c->stack[c->depth - 1];
    if (!parent->obj && !(parent->obj = json_object())) {
      ctx_fail(c, WL_ENOMEM, "out of memory");
      return;
    }
  }
  f = &c->stack[c->depth];
  memset(f, 0, sizeof(*f));
  if (!(f->name = strdup(name))) {
    ctx_fail(c, WL_ENOMEM, "out of memory");
    return;
  }
  c->depth++;
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
  xml_ctx *c = ud;
  xml_frame *f;
  if (c->failed || c->depth == 0 || len <= 0)
    return;
  f = &c->stack[c->depth - 1];
  if (f->obj) /* mixed content: indentation between child elements */
    return;
  if (text_append(f, s, (size_t)len) != 0)
    ctx_fail(c, WL_ENOMEM, "out of memory");
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
  xml_ctx *c = ud;
  xml_frame *f;
  json_t *v;
  (void)name;
  if (c->failed || c->depth == 0)
    return;
  f = &c->stack[c->depth - 1];
  if (f->obj) {
    v = f->obj;
    f->obj = NULL;
  } else {
    v = json_stringn(f->text ? f->text : "", f->tlen);
  }
  if (!v) {
    ctx_fail(c, WL_EFAIL, "invalid XML: text is not valid UTF-8");
    return;
  }
  c->depth--;
  if (c->depth == 0) {
    c->root = v;
    snprintf(c->root_name, c->root_name_size, "%s", f->name);
  } else if (add_child(c->stack[c->depth - 1].obj, f->name, v) != 0) {
    ctx_fail(c, WL_ENOMEM, "out of memory");
  }
  frame_clear(f);
}

static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
                               const XML_Char *pubid, int has_internal)
{
  (void)name;
  (void)sysid;
  (void)pubid;
  (void)has_internal;
  ctx_fail(ud, WL_EFAIL, "invalid XML: a document type declaration (DTD) is not accepted");
}

/* Feeds buf in pieces that fit expat's int length. */
static int feed(xml_ctx *c, const char *buf, size_t len)
{
  size_t off = 0;
  do {
    size_t n = len - off > INT_MAX / 2 ? INT_MAX / 2 : len - off;
    int last = off + n == len;
    if (XML_Parse(c->p, buf + off, (int)n, last) != XML_STATUS_OK) {
      if (c->failed)
        return c->failed;
      return wl_err(WL_EFAIL, "invalid XML at line %lu column %lu: %s",
                    (unsigned long)XML_GetCurrentLineNumber(c->p),
                    (unsigned long)XML_GetCurrentColumnNumber(c->p) + 1,
                    XML_ErrorString(XML_GetErrorCode(c->p)));
    }
    off += n;
  } while (off < len);
  return 0;
}

int wl_8x8_xml_load(struct json_t **root, char *root_name, size_t root_name_size,
                    const char *buf, size_t len)
{
  xml_ctx c;
  int rc;
  memset(&c, 0, sizeof(c));
  *root = NULL;
  if (root_name_size)
    root_name[0] = '\0';
  c.root_name = root_name;
  c.root_name_size = root_name_size;
  c.p = XML_ParserCreate(NULL);
  if (!c.p)
    return wl_err(WL_ENOMEM, "out of memory");
  XML_SetUserData(c.p, &c);
  XML_SetElementHandler(c.p, on_start, on_end);
  XML_SetCharacterDataHandler(c.p, on_text);
  XML_SetStartDoctypeDeclHandler(c.p, on_doctype);
  rc = feed(&c, buf, len);
  if (rc == 0 && !c.root)
    rc = wl_err(WL_EFAIL, "invalid XML: no root element");
  while (c.depth > 0)
    frame_clear(&c.stack[--c.depth]);
  XML_ParserFree(c.p);
  if (rc != 0) {
    json_decref(c.root);
    return rc;
  }
  *root = c.root;
  return 0;
}
