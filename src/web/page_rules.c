/*
 * GET / POST /source/NAME/rules: the adherence rules of a source, the table
 * activity x state -> in / out / neutral with each activity's kind (work or
 * rest), editable one activity at a time; a new activity can be added; and
 * the settings adherence-grace-s, count-unscheduled-work and
 * rta-alert-after-s. Rules are saved through core/rules.c, the code behind
 * `wfmlink rules set`; settings are checked by wl_setting_check like
 * `wfmlink source set`. The state unknown is always neutral.
 *
 * POST action=rule (activity, kind, v_STATE...), action=add (activity,
 * kind) or action=settings (the three settings by key).
 */
#include "web/adh_web.h"
#include "util/array.h"
#include "core/rowsets.h"
#include "core/rules.h"
#include "core/settings.h"
#include "util/err.h"
#include "util/log.h"
#include "wfm/adherence.h"

#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NSTATES 8

static const char *const states[NSTATES] = {"available", "offered", "busy", "wrap",
                                            "break", "offline", "logged_out", "unknown"};
static const char *const verdicts[] = {"in", "out", "neutral"};
static const char *const set_keys[] = {"adherence-grace-s", "count-unscheduled-work",
                                       "rta-alert-after-s"};
#define NSET 3

typedef struct act_row {
  char name[WL_ADH_ACTIVITY_LEN];
  int work;
  char verdict[NSTATES][8];
} act_row;

typedef struct rules_page {
  wl_req *rq;
  wl_source src;
  wl_tz *tz;
  act_row *acts;
  size_t nacts, cap;
  char set_val[NSET][64];   /* shown values (stored, or as typed) */
  char set_err[NSET][256];
  char err[600];            /* a refused rule or activity */
  char new_name[WL_ADH_ACTIVITY_LEN * 2];
  int new_work;
} rules_page;

/* ---- the effective table ---- */

static int collect(void *payload, const wl_rule_row *r)
{
  rules_page *p = payload;
  act_row *a = p->nacts ? &p->acts[p->nacts - 1] : NULL;
  if (!a || strcmp(a->name, r->activity) != 0) {
    if (wl_array_reserve(&p->acts, &p->cap, p->nacts, sizeof(*p->acts), 8) != 0)
      return WL_ENOMEM;
    a = &p->acts[p->nacts++];
    memset(a, 0, sizeof(*a));
    snprintf(a->name, sizeof(a->name), "%s", r->activity);
    a->work = !strcmp(r->kind, "work");
  }
  for (int i = 0; i < NSTATES; i++)
    if (!strcmp(states[i], r->state))
      snprintf(a->verdict[i], sizeof(a->verdict[i]), "%s", r->verdict);
  return 0;
}

static int load_rules(rules_page *p)
{
  wl_adh_rules *rules = NULL;
  int rc = wl_rowset_load_rules(&rules, p->rq->app->st, p->src.id);
  if (rc == 0)
    rc = wl_adh_rules_each(rules, collect, p);
  wl_adh_rules_free(rules);
  return rc;
}

static void load_settings(rules_page *p)
{
  wl_store *st = p->rq->app->st;
  for (int i = 0; i < NSET; i++) {
    const wl_setting_def *d = wl_setting_find(set_keys[i]);
    if (wl_setting_get(p->set_val[i], sizeof(p->set_val[i]), st, p->src.id, set_keys[i]) != 0)
      snprintf(p->set_val[i], sizeof(p->set_val[i]), "%s", d ? d->def : "");
  }
}

/* ---- the page ---- */

static void settings_form(rules_page *p)
{
  wl_buf *b = &p->rq->out;
  static const char *const labels[NSET] = {"Grace (seconds)", "Working while unscheduled",
                                           "RTA alert after (seconds)"};
  wl_html(b, "<form method=\"post\" action=\"/source/%s/rules\" id=\"settings\"><fieldset>"
             "<legend>Settings</legend>", p->src.name);
  wl_html_csrf(p->rq);
  wl_buf_puts(b, "<input type=\"hidden\" name=\"action\" value=\"settings\">");
  for (int i = 0; i < NSET; i++) {
    const wl_setting_def *d = wl_setting_find(set_keys[i]);
    wl_html(b, "<div class=\"field\"><label for=\"%s\">%s</label>", set_keys[i], labels[i]);
    if (i == 1) {
      int on = !strcmp(p->set_val[i], "on");
      wl_html(b, "<select id=\"%s\" name=\"%s\"><option value=\"off\"%s>not counted (off)"
                 "</option><option value=\"on\"%s>counts as out of adherence (on)</option>"
                 "</select>",
              set_keys[i], set_keys[i], on ? "" : " selected", on ? " selected" : "");
    } else {
      wl_html(b, "<input type=\"text\" inputmode=\"numeric\" id=\"%s\" name=\"%s\" value=\"%s\"",
              set_keys[i], set_keys[i], p->set_val[i]);
      wl_buf_puts(b, p->set_err[i][0] ? " class=\"invalid\">" : ">");
    }
    wl_html(b, "<span class=\"error\" id=\"err-%s\">%s</span><span class=\"hint\">%s "
               "(<code>%s</code>)</span></div>",
            set_keys[i], p->set_err[i], d ? d->help : "", set_keys[i]);
  }
  wl_buf_puts(b, "<div class=\"actions\"><button type=\"submit\" class=\"primary\" "
                 "id=\"save-settings\">Save settings</button></div></fieldset></form>\n");
}

static void verdict_select(wl_buf *b, const char *form, const char *state, const char *cur)
{
  wl_html(b, "<select name=\"v_%s\" form=\"%s\" class=\"verdict v-%s\" aria-label=\"%s\">",
          state, form, cur, state);
  for (int i = 0; i < 3; i++)
    wl_html(b, "<option value=\"%s\"%s>%s</option>", verdicts[i],
            !strcmp(cur, verdicts[i]) ? " selected" : "", verdicts[i]);
  wl_buf_puts(b, "</select>");
}

static void kind_select(wl_buf *b, const char *form, int work)
{
  wl_buf_puts(b, "<select name=\"kind\"");
  if (form)
    wl_html(b, " form=\"%s\"", form);
  wl_html(b, " aria-label=\"kind\"><option value=\"work\"%s>work</option><option "
             "value=\"rest\"%s>rest</option></select>",
          work ? " selected" : "", work ? "" : " selected");
}

static void rules_table(rules_page *p)
{
  wl_buf *b = &p->rq->out;
  wl_buf_puts(b, "<h2 id=\"rules\">Activities and states</h2><p class=\"sub\">For each "
                 "scheduled activity and agent state: in adherence, out, or neutral (not "
                 "counted). Conformance counts the scheduled time of <em>work</em> activities. "
                 "Save each activity's row after changing it.</p>");
  wl_buf_puts(b, "<div class=\"scroll\"><table id=\"rules-table\" class=\"rules\"><thead><tr>"
                 "<th>Activity</th><th>Kind</th>");
  for (int i = 0; i < NSTATES; i++)
    wl_html(b, "<th>%s</th>", states[i]);
  wl_buf_puts(b, "<th></th></tr></thead><tbody>\n");
  for (size_t a = 0; a < p->nacts; a++) {
    char form[32];
    snprintf(form, sizeof(form), "rule-%zu", a);
    wl_html(b, "<tr data-activity=\"%s\"><th scope=\"row\">%s</th><td>", p->acts[a].name,
            p->acts[a].name);
    kind_select(b, form, p->acts[a].work);
    wl_buf_puts(b, "</td>");
    for (int i = 0; i < NSTATES - 1; i++) {
      wl_buf_puts(b, "<td>");
      verdict_select(b, form, states[i], p->acts[a].verdict[i]);
      wl_buf_puts(b, "</td>");
    }
    wl_html(b, "<td class=\"muted\" title=\"unknown time is always neutral\">neutral</td><td>"
               "<form id=\"%s\" method=\"post\" action=\"/source/%s/rules\">", form, p->src.name);
    wl_html_csrf(p->rq);
    wl_html(b, "<input type=\"hidden\" name=\"action\" value=\"rule\"><input type=\"hidden\" "
               "name=\"activity\" value=\"%s\"><button type=\"submit\">Save</button></form>"
               "</td></tr>\n", p->acts[a].name);
  }
  wl_buf_puts(b, "</tbody></table></div>\n");
}

static void add_form(rules_page *p)
{
  wl_buf *b = &p->rq->out;
  wl_html(b, "<form method=\"post\" action=\"/source/%s/rules\" id=\"add-activity\" "
             "class=\"inline card\"><strong>New activity</strong>", p->src.name);
  wl_html_csrf(p->rq);
  wl_html(b, "<input type=\"hidden\" name=\"action\" value=\"add\"><label for=\"new-activity\">"
             "Name</label><input type=\"text\" id=\"new-activity\" name=\"activity\" "
             "maxlength=\"63\" value=\"%s\"><label>Kind ", p->new_name);
  kind_select(b, NULL, p->new_work);
  wl_buf_puts(b, "</label><button type=\"submit\">Add</button><span class=\"hint\">It starts "
                 "out of adherence in every state; then set its row.</span></form>\n");
}

static int render(rules_page *p)
{
  wl_req *rq = p->rq;
  const char *saved = wl_req_query(rq, "saved");
  int rc = load_rules(p);
  if (rc)
    return rc;
  wl_page_begin(rq, "Adherence rules");
  wl_html(&rq->out, "<h1>Adherence rules \xe2\x80\x94 %s</h1>", p->src.name);
  wl_aw_tabs(rq, &p->src, "rules");
  if (saved && !p->err[0] && !rq->status)
    wl_html(&rq->out, "<p class=\"notice ok\" id=\"saved\">Saved: %s.</p>", saved);
  if (p->err[0])
    wl_html(&rq->out, "<p class=\"notice bad\" id=\"rules-error\">%s</p>", p->err);
  rules_table(p);
  add_form(p);
  settings_form(p);
  wl_page_end(rq);
  return 0;
}

static void rules_page_free(rules_page *p)
{
  free(p->acts);
  wl_tz_free(p->tz);
}

static int open_page(rules_page *p, wl_req *rq)
{
  memset(p, 0, sizeof(*p));
  p->rq = rq;
  p->new_work = 1;
  return wl_aw_source(rq, &p->src, &p->tz);
}

int wl_page_rules(wl_req *rq)
{
  rules_page p;
  int rc = open_page(&p, rq);
  if (rc == 0) {
    load_settings(&p);
    rc = render(&p);
  }
  rules_page_free(&p);
  return rq->status ? 0 : rc;
}

/* ---- saving ---- */

static int saved_redirect(wl_req *rq, const wl_source *src, const char *what)
{
  wl_buf loc;
  int rc;
  wl_buf_init(&loc, 1024);
  wl_buf_puts(&loc, "/source/");
  wl_buf_puts(&loc, src->name);
  wl_buf_puts(&loc, "/rules?saved=");
  wl_buf_urlenc(&loc, what);
  rc = wl_redirect(rq, loc.ptr ? loc.ptr : "/sources");
  wl_buf_free(&loc);
  return rc;
}

static int refused(rules_page *p, const char *msg)
{
  snprintf(p->err, sizeof(p->err), "Nothing was saved: %s", msg);
  p->rq->status = MHD_HTTP_BAD_REQUEST;
  load_settings(p);
  return render(p);
}

static int save_rule(rules_page *p)
{
  const wl_form *f = &p->rq->form;
  const char *act = wl_form_get(f, "activity"), *kind = wl_form_get(f, "kind");
  wl_rule_row rows[NSTATES - 1];
  int rc;
  for (int i = 0; i < NSTATES - 1; i++) {
    char key[32];
    snprintf(key, sizeof(key), "v_%s", states[i]);
    rows[i] = (wl_rule_row){act ? act : "", states[i], wl_form_get(f, key), kind};
    if (!rows[i].verdict)
      return refused(p, "the form is missing a state's verdict.");
  }
  if ((rc = wl_rules_apply(p->rq->app, &p->src, rows, NSTATES - 1)) == WL_EUSAGE)
    return refused(p, wl_errmsg());
  if (rc)
    return rc;
  wl_info(p->src.name, "web: rules of activity '%s' changed by '%s'", act, p->rq->user);
  return saved_redirect(p->rq, &p->src, act);
}

static int activity_exists(rules_page *p, const char *name)
{
  for (size_t i = 0; i < p->nacts; i++)
    if (!strcmp(p->acts[i].name, name))
      return 1;
  return 0;
}

static int add_activity(rules_page *p)
{
  const wl_form *f = &p->rq->form;
  const char *act = wl_form_get(f, "activity"), *kind = wl_form_get(f, "kind");
  wl_rule_row row = {act ? act : "", "unknown", "neutral", kind ? kind : "work"};
  char msg[200];
  int rc;
  snprintf(p->new_name, sizeof(p->new_name), "%s", row.activity);
  p->new_work = strcmp(row.kind, "rest") != 0;
  if ((rc = load_rules(p)) != 0)
    return rc;
  if (activity_exists(p, row.activity)) {
    snprintf(msg, sizeof(msg), "the activity '%.80s' exists already; change its row instead.",
             row.activity);
    p->nacts = 0;
    return refused(p, msg);
  }
  p->nacts = 0; /* render() loads the table again */
  /* a new activity is kind work/rest with every state out; storing one
   * (ignored) unknown row makes core/rules.c store all eight */
  if ((rc = wl_rules_apply(p->rq->app, &p->src, &row, 1)) == WL_EUSAGE)
    return refused(p, wl_errmsg());
  if (rc)
    return rc;
  wl_info(p->src.name, "web: activity '%s' added by '%s'", row.activity, p->rq->user);
  return saved_redirect(p->rq, &p->src, row.activity);
}

static int save_settings(rules_page *p)
{
  wl_store *st = p->rq->app->st;
  char canon[NSET][64];
  const char *vals[NSET];
  int bad = 0, rc;
  for (int i = 0; i < NSET; i++) {
    const char *v = wl_form_get(&p->rq->form, set_keys[i]);
    vals[i] = canon[i];
    snprintf(p->set_val[i], sizeof(p->set_val[i]), "%s", v ? v : "");
    if (wl_setting_check(canon[i], sizeof(canon[i]), wl_setting_find(set_keys[i]), v ? v : "",
                         0) != 0) {
      /* the message names the key first ("adherence-grace-s: ..."); the
       * field is beside it already */
      const char *m = wl_errmsg(), *colon = strstr(m, ": ");
      snprintf(p->set_err[i], sizeof(p->set_err[i]), "%s", colon ? colon + 2 : m);
      bad = 1;
    }
  }
  if (bad) {
    p->rq->status = MHD_HTTP_BAD_REQUEST;
    return render(p);
  }
  if ((rc = wl_setting_set_all(st, p->src.id, set_keys, vals, NSET)) != 0)
    return rc;
  wl_info(p->src.name, "web: adherence settings changed by '%s'", p->rq->user);
  return saved_redirect(p->rq, &p->src, "settings");
}

int wl_page_rules_save(wl_req *rq)
{
  rules_page p;
  const char *action = wl_form_get(&rq->form, "action");
  int rc = open_page(&p, rq);
  if (rc == 0) {
    if (action && !strcmp(action, "settings"))
      rc = save_settings(&p);
    else if (action && !strcmp(action, "add"))
      rc = add_activity(&p);
    else if (action && !strcmp(action, "rule"))
      rc = save_rule(&p);
    else
      rc = wl_error_page(rq, MHD_HTTP_BAD_REQUEST, "Bad request", "Unknown action.");
  }
  rules_page_free(&p);
  return rq->status ? 0 : rc;
}
