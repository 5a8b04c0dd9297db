/* landbank field survey on a phone: the surveyor's tasks (kept in IndexedDB with their
   geometries), nearest first from the browser's position, a form per parcel (site
   status) or building (floors), photos shrunk in a canvas with their EXIF kept, and a
   queue in IndexedDB sent when the signal returns: each record with the version it saw
   and an idempotency key, so a record sent twice is stored once and a target changed
   meanwhile comes back as a conflict. No framework, nothing from outside. */
(function () {
  "use strict";
  const app = document.getElementById("survey-app");
  if (!app) return;
  const words = JSON.parse(app.dataset.words);
  const t = JSON.parse(app.dataset.t);
  const user = app.dataset.user;
  const DB = "landbank-survey-" + user;
  const PHOTO_BUDGET = 150 * 1024; // bytes a shrunk photo may take
  const state = { tasks: [], token: null, position: null, syncing: null, map: null, layer: null };

  // ---- IndexedDB: "kv" (token, tasks, results) and "queue" (records to send) ----------
  function open() {
    return new Promise((resolve, reject) => {
      const req = indexedDB.open(DB, 1);
      req.onupgradeneeded = () => {
        req.result.createObjectStore("kv");
        req.result.createObjectStore("queue", { keyPath: "key" });
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }
  async function tx(store, mode, work) {
    const db = await open();
    return new Promise((resolve, reject) => {
      const x = db.transaction(store, mode);
      const result = work(x.objectStore(store));
      x.oncomplete = () => resolve(result && "result" in result ? result.result : undefined);
      x.onerror = () => reject(x.error);
    });
  }
  const kvGet = (k) => tx("kv", "readonly", (s) => s.get(k));
  const kvPut = (k, v) => tx("kv", "readwrite", (s) => s.put(v, k));
  const queueAll = () => tx("queue", "readonly", (s) => s.getAll());
  const queuePut = (item) => tx("queue", "readwrite", (s) => s.put(item));
  const queueDel = (key) => tx("queue", "readwrite", (s) => s.delete(key));

  // ---- the API --------------------------------------------------------------------------
  async function token(renew) {
    if (!renew && state.token) return state.token;
    if (!renew) state.token = await kvGet("token");
    if (state.token && !renew) return state.token;
    const r = await fetch("/survey/token", { credentials: "same-origin" });
    if (!r.ok) throw new Error("signin");
    state.token = (await r.json()).token;
    await kvPut("token", state.token);
    return state.token;
  }
  async function api(path, options, retried) {
    const headers = Object.assign({}, (options || {}).headers, {
      Authorization: "Bearer " + (await token(false)),
    });
    const r = await fetch("/api/v1" + path, Object.assign({}, options, { headers }));
    if (r.status === 401 && !retried) {
      await token(true);
      return api(path, options, true);
    }
    return r;
  }

  async function loadTasks() {
    try {
      const r = await api("/tasks");
      if (r.ok) {
        state.tasks = await r.json();
        await kvPut("tasks", { at: new Date().toISOString(), tasks: state.tasks });
        return;
      }
    } catch (e) {
      /* offline: the tasks kept */
    }
    await pageTasks();
  }
  async function pageTasks() {
    // the tasks the page came with, unless the ones kept since are newer (a page
    // served offline by the service worker is as old as its last visit online)
    const inPage = JSON.parse(app.dataset.kept || "null");
    const kept = await kvGet("tasks");
    const newest = [inPage, kept].filter(Boolean).sort((a, b) => (a.at < b.at ? 1 : -1))[0];
    state.tasks = newest ? newest.tasks : [];
    if (newest === inPage && inPage) await kvPut("tasks", inPage);
  }
  function loadMap() {
    // Leaflet after the list: the tasks first on a slow link, the map when it arrives
    if (window.L || document.getElementById("leaflet-js")) return;
    const css = el("link", { rel: "stylesheet", href: "/survey/assets/leaflet.css" });
    const js = el("script", { src: "/survey/assets/leaflet.js", id: "leaflet-js" });
    js.addEventListener("load", () => render());
    document.head.append(css, js);
  }

  // ---- where the surveyor is, and how far each task lies --------------------------------
  function metres(a, b) {
    const rad = Math.PI / 180, r = 6371008.8;
    const dLat = (b[1] - a[1]) * rad, dLon = (b[0] - a[0]) * rad;
    const h = Math.sin(dLat / 2) ** 2 +
      Math.cos(a[1] * rad) * Math.cos(b[1] * rad) * Math.sin(dLon / 2) ** 2;
    return 2 * r * Math.asin(Math.sqrt(h));
  }
  function locate() {
    if (!navigator.geolocation) return;
    navigator.geolocation.getCurrentPosition(
      (p) => {
        state.position = [p.coords.longitude, p.coords.latitude];
        render();
      },
      () => {},
      { enableHighAccuracy: true, maximumAge: 60000, timeout: 10000 }
    );
  }

  // ---- the list, the map ----------------------------------------------------------------
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "text") node.textContent = v;
      else node.setAttribute(k, v);
    }
    for (const c of children) if (c) node.append(c);
    return node;
  }
  async function render() {
    const queued = await queueAll();
    const results = (await kvGet("results")) || {};
    document.getElementById("queue-count").textContent = String(queued.length);
    document.getElementById("net-state").textContent = navigator.onLine ? t.online : t.offline;
    const list = document.getElementById("task-list");
    const table = document.getElementById("task-table");
    if (table) table.hidden = true;
    const tasks = state.tasks.slice();
    for (const task of tasks) {
      const c = task.target && task.target.centroid;
      task._distance = state.position && c ? metres(state.position, c) : null;
    }
    tasks.sort((a, b) => (a._distance ?? 1e12) - (b._distance ?? 1e12));
    list.replaceChildren(
      ...tasks.map((task) => {
        const waiting = queued.filter((q) => q.taskId === task.task_id).length;
        const last = results[task.task_id];
        const conflict = (last && last.state === "conflict") ||
          (!waiting && task.state === "open" &&
            (task.records || []).slice(-1).some((r) => r.state === "conflict"));
        const item = el("li", { class: "task task-" + task.state, "data-code": task.code },
          el("button", { type: "button", class: "open-task", text: task.code }),
          el("span", { class: "state", text: words.task_states[task.state] || task.state }),
          task._distance != null ? el("span", { class: "distance", text: Math.round(task._distance) + " m" }) : null,
          waiting ? el("span", { class: "waiting", text: waiting + " " + t.queued }) : null,
          conflict ? el("span", { class: "conflict", text: t.conflict }) : null,
          task.note ? el("span", { class: "note", text: task.note }) : null);
        item.querySelector("button").addEventListener("click", () => showForm(task));
        return item;
      })
    );
    drawMap(tasks);
  }
  function drawMap(tasks) {
    if (!window.L) return;
    if (!state.map) {
      state.map = L.map("survey-map", { zoomControl: true, attributionControl: false });
      state.layer = L.featureGroup().addTo(state.map);
    }
    state.layer.clearLayers();
    for (const task of tasks) {
      const g = task.target && task.target.geometry;
      if (g) L.geoJSON(g).bindTooltip(task.code).addTo(state.layer);
    }
    if (state.position) {
      L.circleMarker([state.position[1], state.position[0]], { radius: 7, color: "#c00" })
        .addTo(state.layer);
    }
    const bounds = state.layer.getBounds();
    if (bounds.isValid()) state.map.fitBounds(bounds, { maxZoom: 17 });
  }

  // ---- the form of one task -------------------------------------------------------------
  const today = () => new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);
  function field(label, input) {
    return el("label", {}, label + " ", input);
  }
  function showForm(task) {
    const form = document.getElementById("record-form");
    form.replaceChildren();
    form.dataset.task = task.task_id;
    form.append(el("h2", { text: task.code }));
    if (task.kind === "parcel") {
      const select = el("select", { name: "site_status" });
      for (const [id, label] of Object.entries(words.site_statuses)) {
        select.append(el("option", { value: id, text: label }));
      }
      form.append(field(t.site_status, select),
        field(t.status_on, el("input", { type: "date", name: "status_on" })));
    } else {
      const floors = (task.target && task.target.floors) || 1;
      const table = el("table", { class: "floors" },
        el("tr", {}, el("th", { text: t.floor }), el("th", { text: t.vacant_area }),
          el("th", { text: t.available_from }), el("th", { text: t.rent })));
      for (let f = 1; f <= floors; f++) {
        table.append(el("tr", { "data-floor": f }, el("td", { text: String(f) }),
          el("td", {}, el("input", { type: "number", min: "0", step: "any", name: "area_" + f, value: "0" })),
          el("td", {}, el("input", { type: "date", name: "from_" + f })),
          el("td", {}, el("input", { type: "number", min: "0", step: "any", name: "rent_" + f }))));
      }
      form.append(table);
    }
    form.append(
      field(t.visited_on, el("input", { type: "date", name: "visited_on", value: today() })),
      field(t.note, el("input", { type: "text", name: "note", maxlength: "500" })),
      field(t.photo, el("input", { type: "file", name: "photo", accept: "image/*", capture: "environment", multiple: "" })),
      el("button", { type: "submit", class: "save", text: t.save }),
      el("button", { type: "button", class: "cancel", text: t.cancel }));
    form.querySelector(".cancel").addEventListener("click", () => { form.hidden = true; });
    form.onsubmit = (event) => {
      event.preventDefault();
      keep(task, form).catch((e) => say(String(e)));
    };
    form.hidden = false;
    form.scrollIntoView();
  }
  function values(task, form) {
    const get = (n) => (form.elements[n] ? form.elements[n].value.trim() : "");
    const note = get("note") || null;
    if (task.kind === "parcel") {
      return { site_status: get("site_status"), status_on: get("status_on") || null, note };
    }
    const floors = [];
    for (const row of form.querySelectorAll("tr[data-floor]")) {
      const f = row.dataset.floor;
      floors.push({
        floor: Number(f),
        vacant_area_m2: Number(get("area_" + f) || 0),
        available_from: get("from_" + f) || null,
        rent_yuan_m2_month: get("rent_" + f) === "" ? null : Number(get("rent_" + f)),
      });
    }
    return { floors, note };
  }
  async function keep(task, form) {
    const files = Array.from(form.elements.photo.files || []);
    const photos = [];
    for (const file of files) photos.push(await shrink(file));
    const item = {
      key: crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random(),
      taskId: task.task_id,
      seen: task.target ? task.target.version : 0,
      visited_on: form.elements.visited_on.value || today(),
      values: values(task, form),
      photos: photos.map((blob, i) => ({ blob, name: "photo-" + (i + 1) + ".jpg", sent: false })),
      made: Date.now(),
    };
    await queuePut(item);
    form.hidden = true;
    say(t.saved);
    await render();
    if (navigator.onLine) sync();
  }

  // ---- photos: shrunk in a canvas, their EXIF (time, GPS) carried over ---------------------
  function exifSegment(b) {
    if (b[0] !== 0xff || b[1] !== 0xd8) return null;
    let i = 2;
    while (i + 9 < b.length && b[i] === 0xff) {
      const marker = b[i + 1], length = (b[i + 2] << 8) | b[i + 3];
      if (marker === 0xe1 && b[i + 4] === 0x45 && b[i + 5] === 0x78 && b[i + 6] === 0x69 && b[i + 7] === 0x66) {
        const seg = b.slice(i, i + 2 + length);
        upright(seg);
        return seg;
      }
      if (marker === 0xda) break;
      i += 2 + length;
    }
    return null;
  }
  function upright(seg) {
    // the canvas drew the pixels upright: the orientation tag (0x0112) becomes 1
    const base = 10, little = seg[base] === 0x49;
    const u16 = (o) => (little ? seg[o] | (seg[o + 1] << 8) : (seg[o] << 8) | seg[o + 1]);
    const u32 = (o) => (little ? u16(o) | (u16(o + 2) << 16) : (u16(o) << 16) | u16(o + 2));
    const ifd = base + u32(base + 4);
    if (ifd + 2 > seg.length) return;
    for (let n = u16(ifd), e = ifd + 2; n > 0 && e + 12 <= seg.length; n--, e += 12) {
      if (u16(e) === 0x0112) {
        if (little) { seg[e + 8] = 1; seg[e + 9] = 0; } else { seg[e + 8] = 0; seg[e + 9] = 1; }
      }
    }
  }
  async function shrink(file) {
    const original = new Uint8Array(await file.arrayBuffer());
    const exif = exifSegment(original);
    const bitmap = await createImageBitmap(file);
    let side = 1600, quality = 0.8, blob = null;
    for (let round = 0; round < 6; round++) {
      const scale = Math.min(1, side / Math.max(bitmap.width, bitmap.height));
      const canvas = document.createElement("canvas");
      canvas.width = Math.max(1, Math.round(bitmap.width * scale));
      canvas.height = Math.max(1, Math.round(bitmap.height * scale));
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", quality));
      if (blob.size + (exif ? exif.length : 0) <= PHOTO_BUDGET) break;
      side = Math.round(side * 0.8);
      quality = Math.max(0.5, quality - 0.1);
    }
    if (!exif) return blob;
    const shrunk = new Uint8Array(await blob.arrayBuffer());
    return new Blob([shrunk.slice(0, 2), exif, shrunk.slice(2)], { type: "image/jpeg" });
  }

  // ---- sending what is queued -------------------------------------------------------------
  async function send(item) {
    if (!item.recordId) {
      const body = { idempotency_key: item.key, seen_version: item.seen,
        visited_on: item.visited_on, values: item.values };
      const r = await api("/tasks/" + item.taskId + "/records", {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
      });
      const answer = await r.json().catch(() => ({}));
      if (![200, 201, 409].includes(r.status) || !answer.record_id) {
        // refused for good (422, 403, 404): kept aside with the reason, not sent again
        await remember(item.taskId, { state: "refused", detail: JSON.stringify(answer.detail || r.status) });
        await queueDel(item.key);
        return;
      }
      item.recordId = answer.record_id;
      item.state = answer.state;
      await queuePut(item);
    }
    for (const photo of item.photos) {
      if (photo.sent) continue;
      const data = new FormData();
      data.append("file", photo.blob, photo.name);
      const r = await api("/records/" + item.recordId + "/photos", { method: "POST", body: data });
      if (r.status >= 500) throw new Error("server " + r.status);
      photo.sent = true; // 201, 200 (kept already) or refused for good (one line kept)
      if (!r.ok) await remember(item.taskId, { state: "photo_refused", detail: (await r.json()).detail });
      await queuePut(item);
    }
    await remember(item.taskId, { state: item.state, record: item.recordId });
    await queueDel(item.key);
  }
  async function remember(taskId, result) {
    const results = (await kvGet("results")) || {};
    results[taskId] = result;
    await kvPut("results", results);
  }
  function sync() {
    if (state.syncing) return state.syncing;
    state.syncing = (async () => {
      try {
        const queued = (await queueAll()).sort((a, b) => a.made - b.made);
        // four at a time (a slow link's latency overlaps); the first failure stops the
        // others, and the sync ends only when all four have, so no two syncs overlap
        let next = 0, failed = null;
        const worker = async () => {
          while (!failed && next < queued.length) {
            const item = queued[next++];
            try { await send(item); } catch (e) { failed = e; }
          }
        };
        await Promise.all([worker(), worker(), worker(), worker()]);
        if (failed) throw failed;
        await loadTasks();
        say(t.sent);
      } catch (e) {
        say(String(e.message) === "signin" ? t.signin : t.offline);
      } finally {
        state.syncing = null;
        await render();
      }
    })();
    return state.syncing;
  }
  function say(text) {
    document.getElementById("survey-message").textContent = text;
  }

  // ---- start ------------------------------------------------------------------------------
  window.addEventListener("online", () => { render(); sync(); });
  window.addEventListener("offline", () => render());
  document.getElementById("sync-now").addEventListener("click", () => sync());
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/survey-sw.js", { scope: "/survey" }).catch(() => {});
  }
  window.landbankSurvey = { ready: false, sync, queueAll, render };
  (async () => {
    if (app.dataset.token) {
      state.token = app.dataset.token;
      await kvPut("token", state.token);
    }
    await pageTasks();
    await render();
    loadMap();
    locate();
    if (navigator.onLine && (await queueAll()).length) await sync();
    window.landbankSurvey.ready = true;
  })();
})();
