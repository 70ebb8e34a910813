// The web page's one script (served as /static/app.js; the
// Content-Security-Policy allows no inline script).
// "Test connection" without reloading the page: the form's values go to the
// same URL with Accept: application/json and the answer appears beside the
// button (the typed token stays in its field). Without JavaScript the button
// submits the form and the server answers with the page.
'use strict';
document.addEventListener('DOMContentLoaded', function () {
  // an error beside a field goes away once the field is changed
  document.querySelectorAll('input.invalid').forEach(function (input) {
    input.addEventListener('input', function () {
      input.classList.remove('invalid');
      var e = document.getElementById('err-' + input.name);
      if (e) e.textContent = '';
    }, {once: true});
  });
  document.querySelectorAll('button[data-test]').forEach(function (btn) {
    btn.addEventListener('click', function (ev) {
      ev.preventDefault();
      var form = btn.form;
      var out = document.getElementById('result-' + btn.dataset.test);
      var body = new URLSearchParams(new FormData(form));
      body.set('action', btn.value);
      out.className = 'result pending';
      out.textContent = 'Testing the connection\u2026';
      btn.disabled = true;
      // getAttribute: form.action would be the button named 'action'
      fetch(form.getAttribute('action'), {method: 'POST', body: body,
                                          credentials: 'same-origin',
                          headers: {'Accept': 'application/json'}})
        .then(function (r) { return r.json(); })
        .then(function (j) {
          var errs = j.errors || {};
          form.querySelectorAll('[data-field]').forEach(function (e) {
            var f = e.getAttribute('data-field');
            if (btn.dataset.fields.split(' ').indexOf(f) < 0) return;
            e.textContent = errs[f] || '';
            var input = form.elements[f];
            if (input) input.classList.toggle('invalid', !!errs[f]);
          });
          out.className = 'result ' + (j.ok ? 'ok' : 'bad');
          out.textContent = (j.ok ? 'Connection OK: ' : 'Connection failed: ') + j.message;
        })
        .catch(function () {
          out.className = 'result bad';
          out.textContent = 'The test could not be run: the server did not answer. '
                          + 'Reload the page and try again.';
        })
        .then(function () { btn.disabled = false; });
    });
  });
});
// The real-time adherence board (/source/NAME/rta): redraws its table in
// place every few seconds from the JSON API, and sorts by a clicked column
// header (the same order as the server's). The rules page: a verdict's
// colour follows its select.
document.addEventListener('DOMContentLoaded', function () {
  document.querySelectorAll('select.verdict').forEach(function (s) {
    s.addEventListener('change', function () { s.className = 'verdict v-' + s.value; });
  });
  var table = document.getElementById('rta');
  if (!table || !table.dataset.api) return;
  var body = table.tBodies[0];
  var st = {sort: table.dataset.sort || 'agent_id', dir: table.dataset.dir || 'asc',
            data: null};
  function pad(n) { return (n < 10 ? '0' : '') + n; }
  function hms(s) {
    s = Math.max(0, Math.floor(s));
    var h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60, x = s % 60;
    return h ? h + ':' + pad(m) + ':' + pad(x) : m + ':' + pad(x);
  }
  function dur(s) {
    s = Math.max(0, s);
    if (s < 60) return s + ' s';
    if (s < 3600) return Math.floor(s / 60) + ' min';
    return Math.floor(s / 3600) + ' h ' + pad(Math.floor(s / 60) % 60) + ' min';
  }
  function ago(s) {
    if (s < 0) return 'just now';
    if (s < 120) return s + ' s ago';
    if (s < 7200) return Math.floor(s / 60) + ' min ago';
    if (s < 172800) return Math.floor(s / 3600) + ' h ago';
    return Math.floor(s / 86400) + ' days ago';
  }
  function secs(iso) {
    var t = Date.parse(iso || '');
    return isNaN(t) ? 0 : Math.floor(t / 1000);
  }
  // times arrive in the source's zone: show their wall-clock part
  function local(iso) { return iso.slice(0, 10) + ' ' + iso.slice(11, 19); }
  function sinceText(iso, now) {
    if (!iso) return '';
    return iso.slice(0, 10) === now.slice(0, 10) ? iso.slice(11, 19)
                                                 : iso.slice(0, 10) + ' ' + iso.slice(11, 16);
  }
  function cmp(a, b) {
    var k = st.sort, x = a[k], y = b[k], c;
    if (k === 'out_for_s') c = x - y;
    else if (k === 'since') c = secs(x) - secs(y);
    else c = x < y ? -1 : x > y ? 1 : 0;
    if (st.dir === 'desc') c = -c;
    return c || (a.agent_id < b.agent_id ? -1 : a.agent_id > b.agent_id ? 1 : 0);
  }
  function cell(tr, col, text, cls) {
    var td = document.createElement('td');
    td.dataset.col = col;
    if (cls) td.className = cls;
    if (text) td.textContent = text;
    tr.appendChild(td);
    return td;
  }
  function span(parent, cls, text) {
    var s = document.createElement('span');
    s.className = cls;
    s.textContent = text;
    parent.appendChild(s);
    return s;
  }
  function row(r, d, now) {
    var tr = document.createElement('tr'), alert = r.alerting === 'yes', td;
    tr.dataset.agent = r.agent_id;
    if (alert) tr.className = 'alerting';
    cell(tr, 'agent_id', r.agent_id);
    cell(tr, 'agent_name', r.agent_name);
    td = cell(tr, 'state');
    span(td, 'state st-' + r.state, r.state);
    if (r.vendor_code) {
      td.appendChild(document.createTextNode(' '));
      span(td, 'muted', '(code ' + r.vendor_code + ')');
    }
    td = cell(tr, 'since', sinceText(r.since, d.now));
    td.dataset.value = r.since;
    if (r.since) {
      td.appendChild(document.createTextNode(' '));
      span(td, 'muted', '(' + dur(now - secs(r.since)) + ')');
    }
    cell(tr, 'activity', r.activity);
    td = cell(tr, 'adherence');
    span(td, 'badge ' + (r.adherence === 'in' ? 'ok' : r.adherence === 'out' ? 'bad' : 'off'),
         r.adherence);
    td = cell(tr, 'out_for_s', hms(r.out_for_s), 'num');
    td.dataset.value = String(r.out_for_s);
    cell(tr, 'alerting', alert ? 'ALERT' : '');
    return tr;
  }
  function marks() {
    table.tHead.querySelectorAll('th').forEach(function (th) {
      var a = th.querySelector('a[data-sort]');
      if (a && a.dataset.sort === st.sort)
        th.setAttribute('aria-sort', st.dir === 'desc' ? 'descending' : 'ascending');
      else th.removeAttribute('aria-sort');
    });
  }
  function render() {
    var d = st.data, now = secs(d.now), rows = d.rows.slice().sort(cmp);
    var frag = document.createDocumentFragment(), n = {in: 0, out: 0, alert: 0};
    rows.forEach(function (r) {
      frag.appendChild(row(r, d, now));
      if (r.adherence === 'in') n.in++;
      if (r.adherence === 'out') n.out++;
      if (r.alerting === 'yes') n.alert++;
    });
    if (!rows.length) {
      var tr = document.createElement('tr');
      tr.className = 'empty';
      cell(tr, 'empty', 'No agents yet: they appear after the first real-time poll or a '
                        + 'schedule import.', 'muted').colSpan = 8;
      frag.appendChild(tr);
    }
    body.replaceChildren(frag);
    var counts = document.getElementById('rta-counts');
    if (counts && counts.children.length === 4) {
      counts.children[0].textContent = rows.length + ' agents';
      counts.children[1].textContent = n.in + ' in';
      counts.children[2].textContent = n.out + ' out';
      counts.children[3].textContent = n.alert + ' alerting';
      counts.children[3].className = 'badge ' + (n.alert ? 'alert' : 'off');
    }
    var banner = document.getElementById('rta-banner');
    if (banner) banner.hidden = d.feed.healthy;
    var last = document.getElementById('rta-last-ok');
    if (last) last.textContent = d.feed.last_ok
      ? local(d.feed.last_ok) + ' (' + ago(now - secs(d.feed.last_ok)) + ')' : 'never';
    document.getElementById('rta-updated').textContent = local(d.now);
  }
  var status = document.getElementById('rta-status');
  function refresh() {
    fetch(table.dataset.api, {credentials: 'same-origin', cache: 'no-store',
                              headers: {'Accept': 'application/json'}})
      .then(function (r) {
        if (r.status === 401) throw new Error('logged out; reload the page to log in again');
        if (!r.ok) throw new Error('the server answered ' + r.status);
        return r.json();
      })
      .then(function (d) {
        st.data = d;
        if (status) status.textContent = '';
        render();
      })
      .catch(function (e) {
        if (status) status.textContent = 'Could not refresh (' + e.message
                                         + '); the table shows the last update.';
      });
  }
  table.tHead.querySelectorAll('a[data-sort]').forEach(function (a) {
    a.addEventListener('click', function (ev) {
      ev.preventDefault();
      var k = a.dataset.sort;
      st.dir = st.sort === k && st.dir === 'asc' ? 'desc' : 'asc';
      st.sort = k;
      marks();
      history.replaceState(null, '', '?sort=' + k + '&dir=' + st.dir);
      if (st.data) render(); else refresh();
    });
  });
  refresh();
  setInterval(refresh, Number(table.dataset.refreshMs) || 5000);
});
