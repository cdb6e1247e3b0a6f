// Charts of the dashboard, drawn by Chart.js from the JSON each page
// embeds next to its canvas (<script type="application/json">). The same
// numbers are always in a table on the page; the chart is a view of them.
(function () {
  "use strict";
  document.documentElement.classList.add("has-js");
  if (!window.Chart) return;

  // Okabe-Ito: told apart by readers with colour-vision deficiencies; the
  // point shapes differ too, and print in grey.
  var palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"];
  var shapes = ["circle", "rectRot", "triangle", "rect", "star", "crossRot", "rectRounded"];
  // For stacks, no black: a stack is mostly one kind.
  var stackPalette = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#8a9096", "#004D40"];
  var fmt = new Intl.NumberFormat("en-US");

  function day(s) {
    return Date.UTC(+s.slice(0, 4), +s.slice(5, 7) - 1, +s.slice(8, 10));
  }
  function iso(ms) {
    return new Date(ms).toISOString().slice(0, 10);
  }

  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = "#2b2f33";
  Chart.defaults.animation = false;

  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var el = document.getElementById(canvas.dataset.chart);
    if (!el) return;
    var d = JSON.parse(el.textContent);
    if (d.kind === "history") history(canvas, d);
    if (d.kind === "bars") bars(canvas, d);
    if (d.kind === "stack") stack(canvas, d);
  });

  // bars: one limit at one date, a bar per party (hatched lighter for a
  // reading), and the limit as a line across.
  function bars(canvas, d) {
    var top = d.limit ? d.limit.value : 0;
    d.values.forEach(function (v) { if (v !== null && v > top) top = v; });
    var colours = [];
    var party = 0;
    d.labels.forEach(function (l, i) {
      if (!d.dashed[i]) party++;
      colours.push(palette[(party - 1 + palette.length) % palette.length]);
    });
    var datasets = [{
      type: "bar",
      label: d.title,
      kind: "party",
      data: d.values,
      backgroundColor: colours.map(function (c, i) { return d.dashed[i] ? "rgba(255,255,255,0)" : c; }),
      borderColor: colours,
      borderWidth: 2,
      borderDash: [4, 3],
      order: 2
    }];
    if (d.limit) {
      datasets.push({
        type: "line",
        label: d.limit.label,
        kind: "limit",
        data: d.labels.map(function () { return d.limit.value; }),
        borderColor: "#3d4247",
        borderWidth: 2,
        borderDash: [6, 4],
        pointRadius: 0,
        order: 1
      });
    }
    new Chart(canvas, {
      data: { labels: d.labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        scales: {
          x: { ticks: { autoSkip: false, maxRotation: 0, callback: function (v, i) { return wrap(d.labels[i]); } }, grid: { display: false } },
          y: { min: 0, max: Math.ceil((top * 1.12) / 100) * 100, title: { display: true, text: d.unit },
               ticks: { callback: function (v) { return fmt.format(v); } }, grid: { color: "#e6e8ea" } }
        },
        plugins: {
          legend: { position: "bottom", labels: { filter: function (item) { return item.datasetIndex > 0; } } },
          tooltip: { callbacks: { label: function (item) { return item.dataset.kind === "limit" ? item.dataset.label : item.label + ": " + fmt.format(item.parsed.y); } } }
        }
      }
    });
  }

  // wrap cuts a long label into lines of about 16 characters.
  function wrap(s) {
    var words = String(s).split(" "), lines = [], line = "";
    words.forEach(function (w) {
      if (line && (line + " " + w).length > 16) { lines.push(line); line = w; } else { line = line ? line + " " + w : w; }
    });
    if (line) lines.push(line);
    return lines;
  }

  // stack: counts by year, a stacked bar per kind.
  function stack(canvas, d) {
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: d.labels,
        datasets: d.datasets.map(function (s, i) {
          return { label: s.label, data: s.values, backgroundColor: stackPalette[i % stackPalette.length], borderWidth: 0 };
        })
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        scales: {
          x: { stacked: true, grid: { display: false } },
          y: { stacked: true, min: 0, ticks: { callback: function (v) { return fmt.format(v); } }, grid: { color: "#e6e8ea" } }
        },
        plugins: { legend: { position: "bottom", labels: { boxWidth: 10, boxHeight: 10 } } }
      }
    });
  }

  // history: one total over time, a line per party, the limit (dashed
  // before it binds) and the deadline.
  function history(canvas, d) {
    var start = day(d.start), end = day(d.end);
    var top = 0;
    // A party keeps its colour in every series (a reading of its forces
    // is dashed); the point shapes differ by series.
    var parties = [];
    var datasets = d.series.map(function (s, i) {
      if (parties.indexOf(s.party) < 0) parties.push(s.party);
      var colour = palette[parties.indexOf(s.party) % palette.length];
      return {
        label: s.label + " (" + s.party + ")",
        kind: "party",
        data: s.points.map(function (p) {
          if (p.value !== null && p.value > top) top = p.value;
          return { x: day(p.date), y: p.value, p: p };
        }),
        borderColor: colour,
        backgroundColor: colour,
        pointStyle: shapes[i % shapes.length],
        pointRadius: function (ctx) { return ctx.chart.width < 500 ? 2.5 : 4; },
        pointHoverRadius: 7,
        pointBorderWidth: 2,
        pointBackgroundColor: function (ctx) {
          var raw = ctx.raw;
          return raw && raw.p && raw.p.derived ? "#ffffff" : colour;
        },
        borderWidth: 2,
        borderDash: s.dashed ? [6, 4] : undefined,
        spanGaps: false,
        tension: 0
      };
    });
    if (d.limit) {
      var from = day(d.limit.from);
      if (d.limit.value > top) top = d.limit.value;
      datasets.push({
        label: d.limit.label,
        kind: "limit",
        data: [{ x: start, y: d.limit.value }, { x: from, y: d.limit.value }, { x: end, y: d.limit.value }],
        borderColor: "#3d4247",
        borderWidth: 2,
        pointRadius: 0,
        segment: { borderDash: function (ctx) { return ctx.p1.parsed.x <= from ? [6, 5] : undefined; } }
      });
    }
    var ymax = Math.ceil((top * 1.12) / 100) * 100;
    if (d.deadline) {
      var dl = day(d.deadline.date);
      datasets.push({
        label: "Deadline: " + d.deadline.label,
        kind: "deadline",
        data: [{ x: dl, y: 0 }, { x: dl, y: ymax }],
        borderColor: "#8a9096",
        borderWidth: 1.5,
        borderDash: [2, 3],
        pointRadius: 0
      });
    }
    var years = [];
    for (var y = new Date(start).getUTCFullYear(); y <= new Date(end).getUTCFullYear() + 1; y++) years.push(y);
    new Chart(canvas, {
      type: "line",
      data: { datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: "nearest", intersect: false },
        scales: {
          x: {
            type: "linear",
            min: start - 40 * 864e5,
            max: end + 40 * 864e5,
            afterBuildTicks: function (axis) {
              axis.ticks = years
                .map(function (y) { return { value: Date.UTC(y, 0, 1) }; })
                .filter(function (t) { return t.value >= axis.min && t.value <= axis.max; });
            },
            ticks: { callback: function (v) { return new Date(v).getUTCFullYear(); }, autoSkip: true, maxRotation: 0 },
            grid: { color: "#e6e8ea" }
          },
          y: {
            min: 0,
            max: ymax,
            title: { display: true, text: d.unit },
            ticks: { callback: function (v) { return fmt.format(v); } },
            grid: { color: "#e6e8ea" }
          }
        },
        plugins: {
          legend: { position: "bottom", labels: { usePointStyle: true, boxWidth: 8, boxHeight: 8 } },
          tooltip: {
            filter: function (item) { return item.dataset.kind === "party"; },
            callbacks: {
              title: function (items) { return items.length ? "As of " + iso(items[0].parsed.x) : ""; },
              label: function (item) {
                var p = item.raw.p;
                return item.dataset.label + ": " + fmt.format(item.parsed.y) + (p.derived ? " (derived)" : " (official)");
              },
              afterLabel: function (item) { return "Source: " + item.raw.p.source; }
            }
          }
        }
      }
    });
  }
})();
