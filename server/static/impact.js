// The Impact page's sliders: moving one sets that limit (its box is
// ticked) and asks /impact/compute for the impact with the form as it
// stands; the answer's words go into the table in place. The server does
// all the counting and all the wording; this only moves text.
(function () {
  "use strict";
  var form = document.getElementById("impact-form");
  if (!form || !window.fetch) return;
  var state = document.getElementById("impact-state");
  var fmt = new Intl.NumberFormat("en-US");
  var timer = null;
  var inflight = null;
  var seq = 0;

  function query() {
    var q = new URLSearchParams();
    new FormData(form).forEach(function (v, k) { q.append(k, v); });
    return q.toString();
  }

  function setText(cell, field, text) {
    var el = cell.querySelector('[data-f="' + field + '"]');
    if (el) el.textContent = text || "";
    return el;
  }

  function setList(cell, field, items) {
    var list = cell.querySelector('[data-f="' + field + '"]');
    if (!list) return;
    list.textContent = "";
    (items || []).forEach(function (t) {
      var li = document.createElement("li");
      li.textContent = t;
      list.appendChild(li);
    });
    var det = list.closest("details");
    if (det) det.hidden = !items || items.length === 0;
  }

  function show(res) {
    (res.sides || []).forEach(function (side) {
      (side.rows || []).forEach(function (row) {
        (row.cells || []).forEach(function (c) {
          if (!c.present) return;
          var cell = form.ownerDocument.querySelector('td[data-key="' + c.key + '"]');
          if (!cell) return;
          setText(cell, "total", c.total);
          setText(cell, "max", c.max);
          var over = setText(cell, "over", c.over);
          if (over) over.className = "badge " + (c.is_over ? "verdict-over" : "verdict-within");
          setText(cell, "met", c.met);
          setText(cell, "binding", c.binding);
          setText(cell, "unmet", c.unmet);
          setList(cell, "options", c.options);
        });
      });
      (side.cells || []).forEach(function (c) {
        var cell = form.ownerDocument.querySelector('td[data-key="' + c.key + '"]');
        if (!cell) return;
        var v = setText(cell, "verdict", c.verdict);
        if (v) v.className = "badge verdict-" + c["class"];
        setText(cell, "complies", c.complies);
        setText(cell, "deadline", c.deadline);
        setList(cell, "plan", c.plan);
      });
    });
  }

  function compute() {
    timer = null;
    if (inflight) inflight.abort();
    var ctl = window.AbortController ? new AbortController() : null;
    inflight = ctl;
    var mine = ++seq;
    var q = query();
    state.textContent = "Working out the impact…";
    fetch(form.dataset.compute + "?" + q, { signal: ctl ? ctl.signal : undefined, credentials: "same-origin" })
      .then(function (r) {
        return r.json().then(function (body) { return { ok: r.ok, body: body }; });
      })
      .then(function (a) {
        if (mine !== seq) return;
        if (!a.ok) {
          state.textContent = "Not worked out: " + (a.body.detail || a.body.title) + (a.body.field ? " (" + a.body.field + ")" : "");
          return;
        }
        show(a.body);
        if (window.history && history.replaceState) history.replaceState(null, "", form.action + "?" + q);
        var set = Object.keys(a.body.set || {}).map(function (k) { return k + " " + fmt.format(a.body.set[k]); });
        state.textContent = "Impact updated" + (set.length ? " for " + set.join(", ") : " for the proposals' own limits") + ".";
        form.dataset.updated = String(mine);
      })
      .catch(function (err) {
        if (err && err.name === "AbortError") return;
        state.textContent = "Not worked out: " + err;
      });
  }

  function later() {
    if (timer) clearTimeout(timer);
    timer = setTimeout(compute, 60);
  }

  form.querySelectorAll(".slider").forEach(function (box) {
    var id = box.dataset.limit;
    var range = box.querySelector('input[type="range"]');
    var out = box.querySelector("output");
    var use = document.getElementById("use-" + id);
    range.addEventListener("input", function () {
      out.textContent = fmt.format(+range.value);
      use.checked = true;
      later();
    });
    use.addEventListener("change", later);
  });
})();
