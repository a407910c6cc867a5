// actlab atlas: the interactive explorer (no dependencies, works from file://).
// Data: <script id="explorer-data" type="application/json"> written by actlab.report.explorer:
// per activation the x grid [lo, hi, n], its sliders and base64 curves f, f', f'' for every
// slider combination (decimated polylines, uint16 steps of each curve's range: see decode).
// Names are only ever inserted as text, never as HTML.
(function () {
  "use strict";
  var MAX = 4;
  var COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"];
  var PANELS = [["f", "f(x)"], ["df", "f\u2032(x)"], ["d2f", "f\u2033(x)"]];
  var SVGNS = "http://www.w3.org/2000/svg";
  var W = 360, H = 240, L = 44, R = 8, T = 8, B = 24;

  var root = document.getElementById("explorer");
  var src = document.getElementById("explorer-data");
  if (!root || !src) return;
  var acts = JSON.parse(src.textContent).activations.filter(function (a) { return !a.error; });
  var byName = {};
  acts.forEach(function (a) { byName[a.name] = a; });
  var slots = [];  // {act, idx: [slider positions]}

  function decode(a) {  // the encoding of actlab.report.explorer.encode, back to full grids
    if (a.curves) return a.curves;
    var bin = atob(a.data), bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    var view = new DataView(bytes.buffer), n = a.x[2], maskLen = (n + 7) >> 3, pos = 0;
    var out = new Float32Array(a.valid.length * 3 * n).fill(NaN);
    a.valid.forEach(function (ok, k) {
      if (!ok) return;
      for (var c = 0; c < 3; c++) {
        var lo = view.getFloat32(pos, true), hi = view.getFloat32(pos + 4, true), step = (hi - lo) / 65534;
        var mask = pos + 8, off = (k * 3 + c) * n, prev = -1, prevV = NaN;
        pos = mask + maskLen;
        for (var i = 0; i < n; i++) {
          if (!(bytes[mask + (i >> 3)] & (1 << (i & 7)))) continue;
          var q = view.getUint16(pos, true), v = q === 65535 ? NaN : lo + q * step;
          pos += 2;
          out[off + i] = v;
          for (var j = prev + 1; prev >= 0 && j < i; j++) out[off + j] = prevV + (v - prevV) * (j - prev) / (i - prev);
          prev = i; prevV = v;
        }
      }
    });
    a.curves = out;
    return a.curves;
  }

  function setting(slot) {  // row-major index over the sliders
    var k = 0;
    slot.act.params.forEach(function (p, j) { k = k * p.values.length + slot.idx[j]; });
    return k;
  }

  function curve(slot, which) {  // which: 0 f, 1 f', 2 f''
    var a = slot.act, n = a.x[2], k = setting(slot);
    if (!a.valid[k]) return null;
    var c = decode(a), off = (k * 3 + which) * n;
    return c.subarray(off, off + n);
  }

  function xs(a) {
    var lo = a.x[0], hi = a.x[1], n = a.x[2], out = new Array(n);
    for (var i = 0; i < n; i++) out[i] = lo + (hi - lo) * i / (n - 1);
    return out;
  }

  function fmt(v) {
    if (v === null || v === undefined || isNaN(v)) return "\u2014";
    if (Math.abs(v) < 1e-12) return "0";
    return Number(v.toPrecision(4)).toString();
  }

  function label(slot) {
    var bits = slot.act.params.map(function (p, j) {
      var v = p.values[slot.idx[j]];
      return p.name + "=" + (typeof v === "number" ? fmt(v) : v);
    });
    return slot.act.name + (bits.length ? " (" + bits.join(", ") + ")" : "");
  }

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function svgEl(tag, attrs) {
    var e = document.createElementNS(SVGNS, tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    return e;
  }

  // ---- controls ---------------------------------------------------------------------------
  var pickers = root.querySelector(".ex-pickers");
  var controls = root.querySelector(".ex-controls");
  var plots = root.querySelector(".ex-plots");
  var readout = root.querySelector(".ex-readout");

  for (var s = 0; s < MAX; s++) {
    var sel = el("select", {"id": "ex-pick-" + s, "aria-label": "activation " + (s + 1)});
    sel.appendChild(el("option", {"value": ""}, "\u2014 none \u2014"));
    acts.forEach(function (a) { sel.appendChild(el("option", {"value": a.name}, a.name)); });
    sel.style.borderColor = COLORS[s];
    sel.addEventListener("change", pick);
    pickers.appendChild(sel);
  }

  function pick() {
    slots = [];
    for (var s = 0; s < MAX; s++) {
      var name = document.getElementById("ex-pick-" + s).value;
      if (name && byName[name]) {
        var a = byName[name];
        slots.push({act: a, color: COLORS[s], slot: s, idx: a.params.map(function (p) { return p.index; })});
      }
    }
    buildSliders();
    draw();
  }

  function buildSliders() {
    controls.textContent = "";
    slots.forEach(function (slot) {
      var box = el("fieldset", {"class": "ex-slot"});
      box.style.borderColor = slot.color;
      box.appendChild(el("legend", {}, slot.act.name));
      if (!slot.act.params.length) box.appendChild(el("span", {"class": "meta"}, "no parameters"));
      slot.act.params.forEach(function (p, j) {
        var id = "ex-s" + slot.slot + "-" + j;
        var lab = el("label", {"for": id});
        var out = el("output", {"for": id});
        var input = el("input", {"type": "range", "id": id, "min": "0", "max": String(p.values.length - 1),
                                 "step": "1", "value": String(slot.idx[j]), "data-param": p.name});
        function show() {
          var v = p.values[slot.idx[j]];
          out.textContent = p.name + " = " + (typeof v === "number" ? fmt(v) : v);
        }
        input.addEventListener("input", function () { slot.idx[j] = +input.value; show(); draw(); });
        show();
        lab.appendChild(out);
        lab.appendChild(input);
        box.appendChild(lab);
      });
      controls.appendChild(box);
    });
  }

  // ---- drawing ----------------------------------------------------------------------------
  var panels = PANELS.map(function (pn, which) {
    var fig = el("figure", {"class": "ex-panel"});
    var svg = svgEl("svg", {"viewBox": "0 0 " + W + " " + H, "id": "ex-" + pn[0], "role": "img"});
    var cap = el("figcaption", {}, pn[1]);
    fig.appendChild(svg);
    fig.appendChild(cap);
    plots.appendChild(fig);
    svg.addEventListener("mousemove", function (ev) { hover(ev, svg); });
    svg.addEventListener("mouseleave", function () { hover(null, svg); });
    return {svg: svg, which: which, name: pn[1]};
  });
  var view = {lo: -5, hi: 5};

  function ticks(lo, hi) {
    var raw = (hi - lo) / 4, mag = Math.pow(10, Math.floor(Math.log10(raw)));
    var step = [1, 2, 2.5, 5, 10].map(function (m) { return m * mag; }).filter(function (v) { return v >= raw; })[0];
    var out = [];
    for (var t = Math.ceil(lo / step) * step; t <= hi + 1e-9 * step; t += step) out.push(Math.abs(t) < 1e-12 ? 0 : t);
    return out;
  }

  function draw() {
    var lo = Infinity, hi = -Infinity;
    slots.forEach(function (s) { lo = Math.min(lo, s.act.x[0]); hi = Math.max(hi, s.act.x[1]); });
    if (!isFinite(lo)) { lo = -5; hi = 5; }
    view = {lo: lo, hi: hi};
    panels.forEach(function (pn) {
      var svg = pn.svg;
      while (svg.firstChild) svg.removeChild(svg.firstChild);
      var ymin = Infinity, ymax = -Infinity, data = [];
      slots.forEach(function (s) {
        var c = curve(s, pn.which);
        data.push(c);
        if (!c) return;
        for (var i = 0; i < c.length; i++) if (isFinite(c[i])) { ymin = Math.min(ymin, c[i]); ymax = Math.max(ymax, c[i]); }
      });
      if (!isFinite(ymin)) { ymin = -1; ymax = 1; }
      if (ymax - ymin < 1e-9 * (1 + Math.abs(ymin))) { ymin -= 0.5; ymax += 0.5; }
      var pad = 0.06 * (ymax - ymin); ymin -= pad; ymax += pad;
      pn.y = {lo: ymin, hi: ymax};
      function px(x) { return L + (x - lo) / (hi - lo) * (W - L - R); }
      function py(y) { return T + (ymax - y) / (ymax - ymin) * (H - T - B); }
      svg.appendChild(svgEl("rect", {x: L, y: T, width: W - L - R, height: H - T - B, fill: "#fff", stroke: "#bbb"}));
      ticks(lo, hi).forEach(function (t) {
        svg.appendChild(svgEl("line", {x1: px(t), x2: px(t), y1: T, y2: H - B, "class": "grid"}));
        var tx = svgEl("text", {x: px(t), y: H - B + 13, "class": "tx"}); tx.textContent = fmt(t); svg.appendChild(tx);
      });
      ticks(ymin, ymax).forEach(function (t) {
        svg.appendChild(svgEl("line", {x1: L, x2: W - R, y1: py(t), y2: py(t), "class": t === 0 ? "zero" : "grid"}));
        var ty = svgEl("text", {x: L - 4, y: py(t), "class": "ty"}); ty.textContent = fmt(t); svg.appendChild(ty);
      });
      slots.forEach(function (s, j) {
        var c = data[j];
        if (!c) return;
        var x = xs(s.act), d = "", pen = false;
        for (var i = 0; i < c.length; i++) {
          if (!isFinite(c[i])) { pen = false; continue; }
          d += (pen ? "L" : "M") + px(x[i]).toFixed(1) + "," + py(Math.min(Math.max(c[i], ymin), ymax)).toFixed(1);
          pen = true;
        }
        var path = svgEl("path", {d: d, fill: "none", stroke: s.color, "stroke-width": "2", "class": "curve",
                                  "data-slot": String(s.slot)});
        var title = svgEl("title", {}); title.textContent = label(s); path.appendChild(title);
        svg.appendChild(path);
      });
      svg.appendChild(svgEl("line", {"class": "cursor", x1: -10, x2: -10, y1: T, y2: H - B}));
    });
    var legend = root.querySelector(".ex-legend");
    legend.textContent = "";
    slots.forEach(function (s) {
      var item = el("span", {}, label(s) + (s.act.view ? " \u2014 " + s.act.view : ""));
      item.style.borderLeft = "14px solid " + s.color;
      if (!s.act.valid[setting(s)]) item.textContent += " (invalid combination)";
      legend.appendChild(item);
    });
    hover(null);
  }

  function valueAt(slot, which, x) {
    var c = curve(slot, which), a = slot.act;
    if (!c || x < a.x[0] || x > a.x[1]) return NaN;
    var t = (x - a.x[0]) / (a.x[1] - a.x[0]) * (a.x[2] - 1), i = Math.min(Math.floor(t), a.x[2] - 2), u = t - i;
    return c[i] * (1 - u) + c[i + 1] * u;
  }

  function hover(ev, svg) {
    readout.textContent = "";
    if (!ev || !slots.length) {
      panels.forEach(function (pn) { var c = pn.svg.querySelector(".cursor"); if (c) c.setAttribute("x1", -10), c.setAttribute("x2", -10); });
      readout.appendChild(el("p", {"class": "meta"}, "Move the pointer over a plot to read x, f, f\u2032, f\u2033."));
      return;
    }
    var box = svg.getBoundingClientRect();
    var sx = (ev.clientX - box.left) / box.width * W;
    var x = view.lo + (sx - L) / (W - L - R) * (view.hi - view.lo);
    if (x < view.lo || x > view.hi) return hover(null);
    panels.forEach(function (pn) {
      var c = pn.svg.querySelector(".cursor");
      c.setAttribute("x1", sx); c.setAttribute("x2", sx);
    });
    var table = el("table", {"class": "num"});
    var head = el("tr");
    ["activation", "x", "f", "f\u2032", "f\u2033"].forEach(function (h) { head.appendChild(el("th", {}, h)); });
    table.appendChild(head);
    slots.forEach(function (s) {
      var tr = el("tr");
      var name = el("td", {}, label(s)); name.style.borderLeft = "6px solid " + s.color;
      tr.appendChild(name);
      tr.appendChild(el("td", {}, fmt(x)));
      [0, 1, 2].forEach(function (w) { tr.appendChild(el("td", {}, fmt(valueAt(s, w, x)))); });
      table.appendChild(tr);
    });
    readout.appendChild(table);
  }

  var initial = (root.getAttribute("data-initial") || "").split(",").filter(function (n) { return byName[n]; });
  if (!initial.length && acts.length) initial = [acts[0].name];
  initial.slice(0, MAX).forEach(function (n, s) { document.getElementById("ex-pick-" + s).value = n; });
  pick();
})();
