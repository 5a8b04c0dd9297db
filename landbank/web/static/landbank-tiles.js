/* landbank's tiled map: draws the parcels (and buildings) of vector tiles with MapLibre
   GL, from the service's /tiles or from a .pmtiles archive (the pmtiles protocol).
   Settings come from <script id="lb-tiles" type="application/json">, written by
   landbank/maps/tiled.py. No base map and nothing from the internet. Every text shown
   is set as text, never as markup. */
(function () {
  "use strict";

  function matchColor(prop, items, fallback) {
    var expr = ["match", ["coalesce", ["get", prop], ""]];
    items.forEach(function (item) { expr.push(item.value, item.color); });
    expr.push(fallback);
    return expr;
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  // by hand, not new URL(): that would escape the {z}/{x}/{y} of a tile template
  function absolute(url) {
    if (/^[a-z]+:\/\//i.test(url)) return url;
    if (url.charAt(0) === "/") return window.location.origin + url;
    return window.location.href.replace(/[?#].*$/, "").replace(/[^/]*$/, "") + url;
  }

  function sourcesOf(cfg) {
    var sources = {}, layerSource = {};
    Object.keys(cfg.sources).forEach(function (name) {
      var s = cfg.sources[name], out = { type: "vector" };
      if (s.url) {
        out.url = s.url.indexOf("pmtiles://") === 0
          ? "pmtiles://" + absolute(s.url.slice(10)) : absolute(s.url);
      }
      if (s.tiles) out.tiles = s.tiles.map(absolute);
      ["minzoom", "maxzoom", "bounds"].forEach(function (k) { if (s[k] !== undefined) out[k] = s[k]; });
      sources[name] = out;
    });
    // one archive holds both layers; the service serves each layer apart
    ["parcels", "buildings"].forEach(function (layer) {
      layerSource[layer] = sources[layer] ? layer : (sources.archive ? "archive" : null);
    });
    return { sources: sources, layerSource: layerSource };
  }

  function legend(map, cfg) {
    var box = el("div", "lb-legend");
    box.appendChild(el("h2", null, cfg.title));
    var by = el("label", "lb-by", cfg.words.by + " ");
    var select = el("select");
    [["category", cfg.words.by_category], ["disposal", cfg.words.by_disposal]].forEach(function (o) {
      var opt = el("option", null, o[1]);
      opt.value = o[0];
      select.appendChild(opt);
    });
    by.appendChild(select);
    box.appendChild(by);
    var list = el("ul");
    box.appendChild(list);
    function fill(mode) {
      list.textContent = "";
      var items = mode === "disposal"
        ? cfg.disposal.concat([cfg.noDisposal]) : cfg.categories.concat([cfg.other]);
      items.forEach(function (item) {
        var li = el("li"), sw = el("span", "lb-swatch");
        sw.style.background = item.color;
        li.appendChild(sw);
        li.appendChild(el("span", null, item.label));
        list.appendChild(li);
      });
      var li = el("li"), sw = el("span", "lb-swatch lb-dot");
      sw.style.background = cfg.buildingColor;
      li.appendChild(sw);
      li.appendChild(el("span", null, cfg.words.buildings));
      list.appendChild(li);
      if (map.getLayer("parcels-fill")) {
        map.setPaintProperty("parcels-fill", "fill-color", mode === "disposal"
          ? matchColor("disposal", cfg.disposal, cfg.noDisposal.color)
          : matchColor("category", cfg.categories, cfg.other.color));
      }
    }
    select.addEventListener("change", function () { fill(select.value); });
    box.appendChild(el("p", "lb-note", cfg.words.zoom_in));
    map.getContainer().appendChild(box);
    fill("category");
  }

  function popupTable(props, fields, values) {
    var table = el("table");
    Object.keys(fields).forEach(function (key) {
      var v = props[key];
      if (v === undefined || v === null || v === "") return;
      if (values && values[key]) v = values[key](v);
      var tr = el("tr");
      tr.appendChild(el("th", null, fields[key]));
      tr.appendChild(el("td", null, v));
      table.appendChild(tr);
    });
    return table;
  }

  /* The archive read by HTTP range requests, as web servers (nginx, IIS, Apache)
     answer them; a server that answers a range with the whole file (python -m
     http.server) has it read once and sliced here. */
  function RangeOrWholeSource(url) {
    this.url = url;
    this.whole = null;
  }
  RangeOrWholeSource.prototype.getKey = function () { return this.url; };
  RangeOrWholeSource.prototype.getBytes = function (offset, length, signal) {
    var self = this;
    function slice() {
      return self.whole.then(function (buf) { return { data: buf.slice(offset, offset + length) }; });
    }
    if (self.whole) return slice();
    var range = "bytes=" + offset + "-" + (offset + length - 1);
    return fetch(self.url, { signal: signal, headers: { Range: range } }).then(function (resp) {
      if (resp.status === 206) {
        return resp.arrayBuffer().then(function (data) { return { data: data }; });
      }
      if (!resp.ok) throw new Error(self.url + ": HTTP " + resp.status);
      if (resp.body) resp.body.cancel();
      // read once, apart from this request: MapLibre aborts a tile it no longer needs,
      // and an archive of a province (~100 MB) would then be read again and again
      if (!self.whole) {
        self.whole = fetch(self.url).then(function (whole) {
          if (!whole.ok) throw new Error(self.url + ": HTTP " + whole.status);
          return whole.arrayBuffer();
        }).catch(function (err) { self.whole = null; throw err; });
      }
      return slice();
    });
  };

  function render(cfg) {
    if (cfg.sources.archive) {
      var protocol = new pmtiles.Protocol();
      maplibregl.addProtocol("pmtiles", protocol.tile);
      var archive = absolute(cfg.sources.archive.url.slice("pmtiles://".length));
      protocol.add(new pmtiles.PMTiles(new RangeOrWholeSource(archive)));
    }
    var found = sourcesOf(cfg), layers = [
      { id: "background", type: "background", paint: { "background-color": "#f4f3ef" } }
    ];
    var parcels = found.layerSource.parcels, buildings = found.layerSource.buildings;
    if (parcels) {
      layers.push({
        id: "parcels-fill", type: "fill", source: parcels, "source-layer": "parcels",
        paint: { "fill-color": matchColor("category", cfg.categories, cfg.other.color),
                 "fill-opacity": 0.65 }
      });
      layers.push({
        id: "parcels-line", type: "line", source: parcels, "source-layer": "parcels",
        minzoom: 12, paint: { "line-color": "#333333", "line-width": 0.5, "line-opacity": 0.6 }
      });
    }
    if (buildings) {
      layers.push({
        id: "buildings", type: "circle", source: buildings, "source-layer": "buildings",
        paint: { "circle-color": cfg.buildingColor, "circle-radius": 5,
                 "circle-stroke-color": "#333333", "circle-stroke-width": 1 }
      });
    }
    var options = {
      container: "map",
      style: { version: 8, sources: found.sources, layers: layers },
      attributionControl: false,
      maxZoom: 20
    };
    // an archive (and the service) draws no tile below its least zoom: never zoom out
    // past it (a province's bounds would fit at z7 and show nothing)
    var least = 0;
    Object.keys(cfg.sources).forEach(function (k) { least = Math.max(least, cfg.sources[k].minzoom || 0); });
    if (least) options.minZoom = least;
    if (cfg.bounds) {
      options.bounds = [[cfg.bounds[0], cfg.bounds[1]], [cfg.bounds[2], cfg.bounds[3]]];
      options.fitBoundsOptions = { padding: 20 };
    }
    var map = new maplibregl.Map(options);
    map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-right");
    map.addControl(new maplibregl.ScaleControl({ unit: "metric" }), "bottom-left");
    map.on("load", function () { legend(map, cfg); });

    var categoryOf = {}, disposalOf = {};
    cfg.categories.forEach(function (c) { categoryOf[c.value] = c.label; });
    cfg.disposal.forEach(function (d) { disposalOf[d.value] = d.label; });
    var values = {
      category: function (v) { return categoryOf[v] || v; },
      disposal: function (v) { return disposalOf[v] || v; },
      area_mu: function (v) { return Number(v).toFixed(2); }
    };
    var clickable = ["buildings", "parcels-fill"].filter(function (id) {
      return layers.some(function (l) { return l.id === id; });
    });
    map.on("click", function (e) {
      var hit = map.queryRenderedFeatures(e.point, { layers: clickable })[0];
      if (!hit) return;
      var box = el("div", "lb-popup"), props = hit.properties;
      if (hit.layer.id === "buildings") {
        box.appendChild(popupTable(props, cfg.buildingFields, {
          building_type: function (v) { return cfg.buildingTypes[v] || v; }
        }));
      } else {
        box.appendChild(popupTable(props, cfg.fields, values));
        // tiles below z14 carry a parcel's code and colours only
        if (props.name === undefined) box.appendChild(el("p", "lb-note", cfg.words.zoom_details));
        if (cfg.parcelLink && props.code) {
          var a = el("a", null, cfg.words.open);
          a.href = cfg.parcelLink.replace("{code}", encodeURIComponent(props.code));
          a.target = "_top";
          box.appendChild(a);
        }
      }
      new maplibregl.Popup({ maxWidth: "320px" }).setLngLat(e.lngLat).setDOMContent(box).addTo(map);
    });
    clickable.forEach(function (id) {
      map.on("mouseenter", id, function () { map.getCanvas().style.cursor = "pointer"; });
      map.on("mouseleave", id, function () { map.getCanvas().style.cursor = ""; });
    });
    window.landbankMap = map;
    return map;
  }

  function start() {
    var data = document.getElementById("lb-tiles");
    if (data) render(JSON.parse(data.textContent));
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
