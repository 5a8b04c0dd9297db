/* landbank map runtime: draws compact layers built by landbank/maps (no network).
 *
 * Geometry arrives as rings of integers in 1e-6 degree (about 0.1 m): a ring's first
 * vertex relative to the ring before's first vertex, the rest as differences from the
 * previous vertex. Properties arrive by column: a plain list; {d: values, i: indices}
 * for few distinct values; {f: [...]} front-coded codes; {t: templates, l: rows} text
 * written from few templates. Popups and tooltips are built on demand from the columns.
 *
 * Polygons are drawn by PolygonCanvas: one canvas per layer, every polygon of the layer
 * projected once into a typed array and drawn as one path, found again under the mouse
 * through a grid. 100,000 Leaflet vector objects would take seconds to build.
 */
(function () {
  "use strict";
  var SCALE = 1e-6;
  var WORLD = 256; // Web Mercator pixels at zoom 0

  function esc(v) {
    return String(v).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function column(col, i) {
    if (col === undefined || col === null) return null;
    if (Array.isArray(col)) return col[i];
    if (col.l) return lines(col, col.l[i]);
    var k = col.i[i];
    return k < 0 ? null : col.d[k];
  }

  /* A row of templated text: [template, number..., template, ...] back to lines. */
  function lines(col, row) {
    if (!row) return null;
    if (!col.parts) col.parts = col.t.map(function (t) { return t.split("\u0001"); });
    var out = [], k = 0;
    while (k < row.length) {
      var parts = col.parts[row[k++]], text = parts[0];
      for (var j = 1; j < parts.length; j++) text += row[k++] + parts[j];
      out.push(text);
    }
    return out.join("\n");
  }

  /* Front-coded codes to a plain list: [shared, suffix, ...]. */
  function unfront(f) {
    var out = new Array(f.length / 2), prev = "";
    for (var k = 0; k < f.length; k += 2) {
      prev = prev.slice(0, f[k]) + f[k + 1];
      out[k / 2] = prev;
    }
    return out;
  }

  /* Rings' first vertices arrive relative to the ring before: make them absolute. */
  function absolute(geom) {
    var x = 0, y = 0;
    for (var f = 0; f < geom.length; f++) {
      for (var p = 0; p < geom[f].length; p++) {
        for (var r = 0; r < geom[f][p].length; r++) {
          var a = geom[f][p][r];
          x += a[0]; y += a[1];
          a[0] = x; a[1] = y;
        }
      }
    }
  }

  function mercX(lng) { return (lng + 180) / 360 * WORLD; }
  function mercY(lat) {
    var s = Math.sin(lat * Math.PI / 180);
    return WORLD / 2 - WORLD / (4 * Math.PI) * Math.log((1 + s) / (1 - s));
  }

  /* Projects the polygons of ``rows`` once: vertices at zoom 0, ring and feature
     offsets, bounding boxes, and a grid to find a feature under a point. */
  function Shapes(table, rows) {
    var nv = 0, nr = 0, g = table.geom;
    rows.forEach(function (i) {
      g[i].forEach(function (poly) { poly.forEach(function (ring) { nv += ring.length / 2; nr++; }); });
    });
    var xy = new Float64Array(nv * 2), ringEnd = new Int32Array(nr), featRing = new Int32Array(rows.length + 1);
    var box = new Float64Array(rows.length * 4), v = 0, r = 0;
    var lngs = new Float64Array(rows.length * 4); // degree bounds (w, s, e, n) for fitting
    rows.forEach(function (i, k) {
      var x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
      var w = Infinity, s = Infinity, e = -Infinity, n = -Infinity;
      featRing[k] = r;
      g[i].forEach(function (poly) {
        poly.forEach(function (ring) {
          var x = 0, y = 0;
          for (var j = 0; j < ring.length; j += 2) {
            if (j === 0) { x = ring[0]; y = ring[1]; } else { x += ring[j]; y += ring[j + 1]; }
            var lng = x * SCALE, lat = y * SCALE, px = mercX(lng), py = mercY(lat);
            xy[v++] = px; xy[v++] = py;
            if (px < x0) x0 = px; if (px > x1) x1 = px; if (py < y0) y0 = py; if (py > y1) y1 = py;
            if (lng < w) w = lng; if (lng > e) e = lng; if (lat < s) s = lat; if (lat > n) n = lat;
          }
          ringEnd[r++] = v;
        });
      });
      box[4 * k] = x0; box[4 * k + 1] = y0; box[4 * k + 2] = x1; box[4 * k + 3] = y1;
      lngs[4 * k] = w; lngs[4 * k + 1] = s; lngs[4 * k + 2] = e; lngs[4 * k + 3] = n;
    });
    featRing[rows.length] = r;
    this.rows = rows; this.xy = xy; this.ringEnd = ringEnd; this.featRing = featRing;
    this.box = box; this.lngs = lngs;
    this._grid();
  }

  Shapes.prototype._grid = function () {
    var n = this.rows.length, b = this.box;
    var X0 = Infinity, Y0 = Infinity, X1 = -Infinity, Y1 = -Infinity;
    for (var k = 0; k < n; k++) {
      X0 = Math.min(X0, b[4 * k]); Y0 = Math.min(Y0, b[4 * k + 1]);
      X1 = Math.max(X1, b[4 * k + 2]); Y1 = Math.max(Y1, b[4 * k + 3]);
    }
    var side = Math.max(1, Math.ceil(Math.sqrt(n / 2)));
    this.g = { x0: X0, y0: Y0, cw: (X1 - X0) / side || 1e-9, ch: (Y1 - Y0) / side || 1e-9, side: side, cells: {} };
    for (k = 0; k < n; k++) {
      var c0 = this._cell(b[4 * k], b[4 * k + 1]), c1 = this._cell(b[4 * k + 2], b[4 * k + 3]);
      for (var cx = c0[0]; cx <= c1[0]; cx++) {
        for (var cy = c0[1]; cy <= c1[1]; cy++) {
          var key = cy * (side + 1) + cx;
          (this.g.cells[key] || (this.g.cells[key] = [])).push(k);
        }
      }
    }
  };

  Shapes.prototype._cell = function (x, y) {
    var g = this.g;
    return [Math.min(g.side, Math.max(0, Math.floor((x - g.x0) / g.cw))),
      Math.min(g.side, Math.max(0, Math.floor((y - g.y0) / g.ch)))];
  };

  /* The feature (index into rows) whose area holds the zoom-0 point, or -1. */
  Shapes.prototype.hit = function (x, y) {
    var c = this._cell(x, y), list = this.g.cells[c[1] * (this.g.side + 1) + c[0]] || [];
    for (var m = list.length - 1; m >= 0; m--) {
      var k = list[m], b = this.box;
      if (x < b[4 * k] || x > b[4 * k + 2] || y < b[4 * k + 1] || y > b[4 * k + 3]) continue;
      var inside = false, xy = this.xy;
      for (var r = this.featRing[k]; r < this.featRing[k + 1]; r++) {
        var start = r === 0 ? 0 : this.ringEnd[r - 1], end = this.ringEnd[r];
        for (var i = start, j = end - 2; i < end; j = i, i += 2) {
          var yi = xy[i + 1], yj = xy[j + 1];
          if ((yi > y) !== (yj > y) && x < (xy[j] - xy[i]) * (y - yi) / (yj - yi) + xy[i]) inside = !inside;
        }
      }
      if (inside) return k;
    }
    return -1;
  };

  Shapes.prototype.trace = function (ctx, k, scale, ox, oy) {
    var xy = this.xy;
    for (var r = this.featRing[k]; r < this.featRing[k + 1]; r++) {
      var start = r === 0 ? 0 : this.ringEnd[r - 1], end = this.ringEnd[r];
      ctx.moveTo(xy[start] * scale - ox, xy[start + 1] * scale - oy);
      for (var i = start + 2; i < end; i += 2) ctx.lineTo(xy[i] * scale - ox, xy[i + 1] * scale - oy);
      ctx.closePath();
    }
  };

  /* A layer of many polygons on its own canvas, redrawn when the view settles. */
  var PolygonCanvas = L.Layer.extend({
    initialize: function (shapes, table, style) {
      this.shapes = shapes; this.table = table; this.style = style; this.selected = -1;
    },
    onAdd: function (map) {
      this._canvas = L.DomUtil.create("canvas", "lb-canvas leaflet-zoom-hide");
      this._canvas.style.pointerEvents = "none";
      this.getPane().appendChild(this._canvas);
      map.on("moveend zoomend resize viewreset", this._schedule, this);
      this._schedule(); // drawn once the view is set, on the next frame
    },
    onRemove: function (map) {
      map.off("moveend zoomend resize viewreset", this._schedule, this);
      L.DomUtil.remove(this._canvas);
    },
    _schedule: function () {
      if (this._frame) return;
      var self = this;
      this._frame = requestAnimationFrame(function () { self._frame = null; self._redraw(); });
    },
    _redraw: function () {
      var map = this._map;
      if (!map) return;
      var size = map.getSize(), pad = 0.3, ratio = window.devicePixelRatio || 1;
      var w = Math.round(size.x * (1 + 2 * pad)), h = Math.round(size.y * (1 + 2 * pad));
      var topLeft = map.containerPointToLayerPoint([-size.x * pad, -size.y * pad]).round();
      L.DomUtil.setPosition(this._canvas, topLeft);
      this._canvas.width = w * ratio; this._canvas.height = h * ratio;
      this._canvas.style.width = w + "px"; this._canvas.style.height = h + "px";
      var ctx = this._canvas.getContext("2d");
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      var scale = map.options.crs.scale(map.getZoom()) / WORLD; // zoom-0 pixels to pixels
      var origin = map.getPixelOrigin();
      var ox = origin.x + topLeft.x, oy = origin.y + topLeft.y;
      var s = this.shapes, b = s.box, n = s.rows.length, st = this.style;
      var vx0 = ox / scale, vy0 = oy / scale, vx1 = (ox + w) / scale, vy1 = (oy + h) / scale;
      ctx.fillStyle = st.fillColor; ctx.strokeStyle = st.color; ctx.lineWidth = st.weight;
      ctx.lineJoin = "round";
      // small paths: one huge path costs the rasteriser far more than many modest ones;
      // a feature under two pixels is drawn as its box, without an outline
      var inPath = 0, dots = [];
      var flush = function () {
        if (!inPath) return;
        ctx.globalAlpha = st.fillOpacity; ctx.fill("evenodd");
        if (st.weight > 0) { ctx.globalAlpha = st.opacity; ctx.stroke(); }
        ctx.beginPath(); inPath = 0;
      };
      ctx.beginPath();
      for (var k = 0; k < n; k++) {
        if (b[4 * k + 2] < vx0 || b[4 * k] > vx1 || b[4 * k + 3] < vy0 || b[4 * k + 1] > vy1) continue;
        if ((b[4 * k + 2] - b[4 * k]) * scale < 2 && (b[4 * k + 3] - b[4 * k + 1]) * scale < 2) {
          dots.push(k);
          continue;
        }
        s.trace(ctx, k, scale, ox, oy);
        if (++inPath === 500) flush();
      }
      flush();
      if (dots.length) {
        ctx.globalAlpha = Math.max(st.fillOpacity, st.opacity * 0.8);
        for (var d = 0; d < dots.length; d++) {
          var q = dots[d];
          ctx.rect(b[4 * q] * scale - ox, b[4 * q + 1] * scale - oy,
            Math.max(1, (b[4 * q + 2] - b[4 * q]) * scale), Math.max(1, (b[4 * q + 3] - b[4 * q + 1]) * scale));
          if (d % 2000 === 1999) { ctx.fill(); ctx.beginPath(); }
        }
        ctx.fill(); ctx.beginPath();
      }
      if (this.selected >= 0) {
        ctx.beginPath(); s.trace(ctx, this.selected, scale, ox, oy);
        ctx.globalAlpha = 1; ctx.strokeStyle = "#000"; ctx.lineWidth = 3; ctx.stroke();
      }
    },
    /* The table row under a latlng, or -1. */
    rowAt: function (latlng) {
      var k = this.shapes.hit(mercX(latlng.lng), mercY(latlng.lat));
      return k < 0 ? -1 : this.shapes.rows[k];
    },
    boundsOf: function (row) {
      var k = this.shapes.rows.indexOf(row), l = this.shapes.lngs;
      return L.latLngBounds([l[4 * k + 1], l[4 * k]], [l[4 * k + 3], l[4 * k + 2]]);
    },
    select: function (row) {
      this.selected = row < 0 ? -1 : this.shapes.rows.indexOf(row);
      this._redraw();
    }
  });

  function popupHtml(table, fields, i, title) {
    var rows = [];
    fields.forEach(function (f) {
      var v = column(table.cols[f.key], i);
      if (v === null || v === undefined || v === "") return;
      if (f.list) {
        v = "<ul>" + String(v).split("\n").map(function (s) { return "<li>" + esc(s) + "</li>"; }).join("") + "</ul>";
      } else if (f.rows) {
        v = "<table class='lb-rows'>" + String(v).split("\n").map(function (s) {
          return "<tr>" + s.split("\t").map(function (c) { return "<td>" + esc(c) + "</td>"; }).join("") + "</tr>";
        }).join("") + "</table>";
      } else {
        v = esc(v) + (f.unit ? " " + esc(f.unit) : "");
      }
      rows.push("<tr><th>" + esc(f.label) + "</th><td>" + v + "</td></tr>");
    });
    return "<div class='lb-popup'>" + (title ? "<h4>" + esc(title) + "</h4>" : "") +
      "<table>" + rows.join("") + "</table></div>";
  }

  function pointLayer(spec, table, renderer) {
    var group = L.featureGroup();
    spec.rows.forEach(function (i) {
      var c = table.points[i];
      var m = L.circleMarker([c[1] * SCALE, c[0] * SCALE], {
        renderer: renderer, radius: table.radius[i], color: "#222", weight: 1,
        fillColor: spec.color, fillOpacity: 0.8,
      });
      m.lbRow = i;
      m.lbCode = column(table.cols.code, i);
      group.addLayer(m);
    });
    group.bindTooltip(function (layer) { return esc(table.tooltip(layer.lbRow)); });
    group.bindPopup(function (layer) {
      return popupHtml(table, table.fields, layer.lbRow, table.title(layer.lbRow));
    }, { maxWidth: 460 });
    return group;
  }

  function markerLayer(spec) {
    var group = L.featureGroup();
    spec.points.forEach(function (pt) {
      var icon = L.divIcon({ className: "lb-pin", html: "<span>&#9733;</span>", iconSize: [26, 26] });
      L.marker([pt.y * SCALE, pt.x * SCALE], { icon: icon, title: pt.label })
        .bindTooltip(esc(pt.label), { permanent: true, direction: "right", offset: [12, 0] })
        .addTo(group);
    });
    return group;
  }

  function labelsLayer(spec, table, shapes) {
    var group = L.featureGroup();
    spec.rows.forEach(function (i, n) {
      var k = shapes.rows.indexOf(i), l = shapes.lngs;
      var icon = L.divIcon({ className: "lb-rank", html: "<span>" + esc(spec.labels[n]) + "</span>", iconSize: [24, 24] });
      var m = L.marker([(l[4 * k + 1] + l[4 * k + 3]) / 2, (l[4 * k] + l[4 * k + 2]) / 2], { icon: icon, keyboard: false });
      m.lbRow = i;
      group.addLayer(m);
    });
    group.bindPopup(function (layer) {
      return popupHtml(table, table.fields, layer.lbRow, table.title(layer.lbRow));
    }, { maxWidth: 420 });
    return group;
  }

  function prepare(table) {
    Object.keys(table.cols).forEach(function (k) {
      if (table.cols[k] && table.cols[k].f) table.cols[k] = unfront(table.cols[k].f);
    });
    if (table.geom) absolute(table.geom);
    var t = table.tooltipKeys || ["code"];
    table.tooltip = function (i) {
      return t.map(function (k) { return column(table.cols[k], i); })
        .filter(function (v) { return v !== null && v !== ""; }).join(" · ");
    };
    table.title = function (i) { return table.titleKey ? column(table.cols[table.titleKey], i) : ""; };
    return table;
  }

  function legend(map, sections) {
    var ctl = L.control({ position: "bottomright" });
    ctl.onAdd = function () {
      var div = L.DomUtil.create("div", "lb-legend leaflet-control"), html = "";
      sections.forEach(function (spec) {
        html += "<h4>" + esc(spec.title) + "</h4>";
        spec.items.forEach(function (it) {
          html += "<div class='lb-legend-item'><span class='lb-swatch' style='background:" + esc(it.color) +
            (it.circle ? ";border-radius:50%" : "") + "'></span><span class='lb-legend-label'>" +
            esc(it.label) + "</span>" + (it.count !== undefined && it.count !== null ? "<span class='lb-count'>" + esc(it.count) + "</span>" : "") + "</div>";
        });
        if (spec.note) html += "<div class='lb-note'>" + esc(spec.note) + "</div>";
      });
      div.innerHTML = html;
      L.DomEvent.disableClickPropagation(div);
      return div;
    };
    ctl.addTo(map);
  }

  function fullscreen(map, labels) {
    var ctl = L.control({ position: "topleft" });
    ctl.onAdd = function () {
      var bar = L.DomUtil.create("div", "leaflet-bar leaflet-control");
      var a = L.DomUtil.create("a", "lb-fullscreen", bar);
      a.href = "#"; a.title = labels.fullscreen; a.setAttribute("role", "button");
      a.innerHTML = "<svg viewBox='0 0 16 16' width='14' height='14' aria-hidden='true'>" +
        "<path d='M1 6V1h5M10 1h5v5M15 10v5h-5M6 15H1v-5' fill='none' stroke='#333' stroke-width='2'/></svg>";
      L.DomEvent.on(a, "click", function (e) {
        L.DomEvent.preventDefault(e);
        var box = map.getContainer();
        if (document.fullscreenElement) document.exitFullscreen();
        else if (box.requestFullscreen) box.requestFullscreen();
      });
      L.DomEvent.disableClickPropagation(bar);
      return bar;
    };
    document.addEventListener("fullscreenchange", function () { map.invalidateSize(); });
    ctl.addTo(map);
  }

  function search(map, index, labels, open) {
    var codes = Object.keys(index);
    var ctl = L.control({ position: "topright" });
    ctl.onAdd = function () {
      var box = L.DomUtil.create("div", "lb-search leaflet-control");
      var input = L.DomUtil.create("input", "", box);
      input.type = "search"; input.placeholder = labels.search; input.setAttribute("aria-label", labels.search);
      var list = L.DomUtil.create("div", "lb-suggest", box);
      function go(code) {
        var hit = index[code];
        if (!hit) { input.classList.add("lb-miss"); return; }
        input.classList.remove("lb-miss");
        list.innerHTML = "";
        input.value = code;
        if (!map.hasLayer(hit.layer)) map.addLayer(hit.layer);
        var b = hit.layer.boundsOf(hit.row);
        map.fitBounds(b, { maxZoom: 17, animate: false });
        open(hit.layer, hit.row, b.getCenter());
      }
      L.DomEvent.on(input, "input", function () {
        var q = input.value.trim().toLowerCase(), hits = [];
        if (q.length >= 2) {
          for (var k = 0; k < codes.length && hits.length < 10; k++) {
            if (codes[k].toLowerCase().indexOf(q) >= 0) hits.push(codes[k]);
          }
        }
        list.innerHTML = hits.map(function (c) { return "<div class='lb-hit' data-code='" + esc(c) + "'>" + esc(c) + "</div>"; }).join("");
      });
      L.DomEvent.on(list, "click", function (e) {
        var code = e.target && e.target.getAttribute("data-code");
        if (code) go(code);
      });
      L.DomEvent.on(input, "keydown", function (e) {
        if (e.key === "Enter") {
          var exact = index[input.value.trim()] ? input.value.trim() : null;
          var first = list.querySelector(".lb-hit");
          go(exact || (first ? first.getAttribute("data-code") : input.value.trim()));
        }
      });
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      return box;
    };
    ctl.addTo(map);
  }

  /* Draws the JSON text of a config on ``map``; records what it drew (and how long each
     stage took) in window.landbank. */
  function render(map, text) {
    var t0 = performance.now();
    var cfg = JSON.parse(text);
    var t1 = performance.now();
    var renderer = L.canvas({ padding: 0.5, tolerance: 3 });
    var index = {}, overlays = {}, canvases = [];
    var drawn = { features: 0, layers: {} };
    var tables = {}, shapes = {};
    Object.keys(cfg.tables).forEach(function (k) { tables[k] = prepare(cfg.tables[k]); });
    var selected = null;
    var popup = L.popup({ maxWidth: 420 }), tip = L.tooltip({ sticky: true, direction: "top", offset: [0, -8] });

    function open(layer, row, latlng) {
      if (selected) selected.select(-1);
      selected = layer; layer.select(row);
      popup.setLatLng(latlng).setContent(popupHtml(layer.table, layer.table.fields, row, layer.table.title(row))).openOn(map);
    }
    map.on("popupclose", function () { if (selected) { selected.select(-1); selected = null; } });

    function under(latlng) {
      for (var k = canvases.length - 1; k >= 0; k--) {
        var c = canvases[k];
        if (!map.hasLayer(c) || !c.interactive) continue;
        var row = c.rowAt(latlng);
        if (row >= 0) return { layer: c, row: row };
      }
      return null;
    }

    cfg.layers.forEach(function (spec) {
      var table = tables[spec.table], layer;
      if (spec.kind === "marker") layer = markerLayer(spec);
      else if (spec.kind === "points") layer = pointLayer(spec, table, renderer);
      else if (spec.kind === "labels") layer = labelsLayer(spec, table, shapes[spec.table + ":" + spec.of]);
      else {
        var sh = new Shapes(table, spec.rows);
        shapes[spec.table + ":" + spec.label] = sh;
        layer = new PolygonCanvas(sh, table, {
          color: spec.stroke || spec.color, weight: spec.weight === undefined ? 1 : spec.weight,
          fillColor: spec.color, fillOpacity: spec.fillOpacity === undefined ? 0.6 : spec.fillOpacity,
          opacity: spec.opacity === undefined ? 1 : spec.opacity,
        });
        layer.interactive = spec.interactive !== false;
        canvases.push(layer);
        if (spec.searchable) {
          spec.rows.forEach(function (i) { index[column(table.cols.code, i)] = { layer: layer, row: i }; });
        }
      }
      if (spec.visible !== false) layer.addTo(map);
      if (spec.control !== false) overlays["<span class='lb-swatch' style='background:" + esc(spec.color || "#888") + "'></span>" + esc(spec.label)] = layer;
      var n = spec.rows ? spec.rows.length : spec.points.length;
      drawn.layers[spec.label] = n;
      drawn.features += n;
    });

    map.on("click", function (e) {
      var hit = under(e.latlng);
      if (hit) open(hit.layer, hit.row, e.latlng);
    });
    var pending = false;
    map.on("mousemove", function (e) {
      if (pending) return;
      pending = true;
      requestAnimationFrame(function () {
        pending = false;
        var hit = under(e.latlng);
        map.getContainer().style.cursor = hit ? "pointer" : "";
        if (hit) tip.setLatLng(e.latlng).setContent(esc(hit.layer.table.tooltip(hit.row))).addTo(map);
        else tip.remove();
      });
    });
    map.on("mouseout", function () { tip.remove(); });

    var bases = {};
    (cfg.bases || []).forEach(function (b, k) {
      var g = L.layerGroup(b.tiles.map(function (t) {
        return L.tileLayer(t.url, { attribution: t.attribution, subdomains: t.subdomains, maxZoom: t.maxZoom });
      }));
      bases[b.label] = g;
      if (k === 0) g.addTo(map);
    });
    L.control.layers(bases, overlays, { collapsed: cfg.collapsed === true }).addTo(map);
    if (cfg.legend && cfg.legend.length) legend(map, cfg.legend);
    fullscreen(map, cfg.labels);
    if (cfg.search) search(map, index, cfg.labels, open);
    if (cfg.bounds) map.fitBounds(cfg.bounds, { animate: false });

    /* For tests and scripts: a feature's code, table row and degree bounds. */
    drawn.find = function (code) {
      var hit = index[code];
      if (!hit) return null;
      var b = hit.layer.boundsOf(hit.row);
      return { row: hit.row, bounds: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()] };
    };
    drawn.codes = function () { return Object.keys(index); };
    drawn.under = function (lat, lng) {
      var hit = under(L.latLng(lat, lng));
      return hit ? column(hit.layer.table.cols.code, hit.row) : null;
    };
    window.landbankMap = map;
    var t2 = performance.now();
    requestAnimationFrame(function () {
      requestAnimationFrame(function () {
        drawn.ms = { parse: Math.round(t1 - t0), build: Math.round(t2 - t1),
          draw: Math.round(performance.now() - t2), since_start: Math.round(performance.now()) };
        drawn.ready = true;
        window.landbank = drawn;
      });
    });
  }

  window.LandbankMap = { render: render };
})();
