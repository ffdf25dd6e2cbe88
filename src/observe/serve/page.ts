/**
 * The monitor page: one self-contained HTML document (no framework, no
 * outside requests) that follows `api/events` relative to its own URL, so the
 * same page works served by a program's `serve()` and by `strand monitor`,
 * which proxies a program's `/api/*`.
 *
 * It shows the scheduler's figures, the live task trees (expand and collapse,
 * filter by activity or state, search names, waits and frames), the waits
 * grouped by what is waited on, and per channel a throughput chart (elements
 * received per second) and a buffer-occupancy chart over the last two minutes
 * of snapshots, drawn as SVG. Every name from the program is set as text,
 * never as markup.
 *
 * The script is plain ES2020 in a string: no backquotes or dollar-braces in it.
 */
export const PAGE = /* html */ `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>strand monitor</title>
<style>
  :root { --fg: #1d232a; --muted: #67717d; --line: #dde2e8; --bg: #f7f8fa; --panel: #fff;
          --ready: #2f7ed8; --parked: #c98a00; --executing: #1f9d55; --closing: #8a63d2; --detached: #67717d; --failed: #d64545; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 13px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
  header { display: flex; gap: 12px; align-items: baseline; padding: 10px 16px; background: #1d232a; color: #fff; }
  header h1 { font-size: 15px; margin: 0; }
  header .target { color: #b8c2cc; font-family: ui-monospace, monospace; }
  #status { margin-left: auto; font-size: 12px; padding: 2px 8px; border-radius: 10px; background: #67717d; }
  #status.live { background: var(--executing); }
  #status.lost { background: var(--failed); }
  #summary { display: flex; flex-wrap: wrap; gap: 8px; padding: 10px 16px; }
  .tile { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 6px 10px; min-width: 92px; }
  .tile b { display: block; font-size: 17px; font-variant-numeric: tabular-nums; }
  .tile span { color: var(--muted); font-size: 11px; }
  main { display: grid; grid-template-columns: minmax(0, 3fr) minmax(320px, 2fr); gap: 12px; padding: 0 16px 16px; }
  section.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; min-width: 0; }
  h2 { font-size: 13px; margin: 0 0 8px; }
  .controls { display: flex; gap: 6px; margin-bottom: 8px; flex-wrap: wrap; }
  .controls input { flex: 1; min-width: 140px; }
  input, select, button { font: inherit; padding: 3px 6px; border: 1px solid var(--line); border-radius: 4px; background: #fff; }
  button { cursor: pointer; }
  .runtime { color: var(--muted); margin: 6px 0 2px; font-size: 12px; }
  .task { margin-left: 16px; }
  .row { display: flex; gap: 6px; align-items: baseline; padding: 1px 0; white-space: nowrap; }
  .row.match .name { background: #fff3bf; }
  .toggle { width: 14px; border: 0; background: none; padding: 0; color: var(--muted); }
  .name { font-family: ui-monospace, monospace; font-weight: 600; }
  .badge { font-size: 11px; padding: 0 6px; border-radius: 8px; color: #fff; background: var(--muted); }
  .badge.ready { background: var(--ready); } .badge.parked { background: var(--parked); } .badge.executing { background: var(--executing); }
  .badge.closing { background: var(--closing); } .badge.detached { background: var(--detached); }
  .for, .prio { color: var(--muted); font-size: 12px; }
  .wait { color: #7a5200; overflow: hidden; text-overflow: ellipsis; }
  .stack { margin: 0 0 2px 34px; font-family: ui-monospace, monospace; font-size: 12px; color: var(--muted); }
  .stack div { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
  .empty { color: var(--muted); font-style: italic; }
  table { border-collapse: collapse; width: 100%; }
  td, th { text-align: left; padding: 2px 6px 2px 0; font-variant-numeric: tabular-nums; }
  th { color: var(--muted); font-weight: normal; font-size: 11px; }
  .waits li { margin-bottom: 4px; }
  .channel { border-top: 1px solid var(--line); padding: 6px 0; }
  .channel .title { display: flex; gap: 8px; align-items: baseline; }
  .channel .figures { color: var(--muted); font-size: 12px; }
  .charts { display: flex; gap: 8px; flex-wrap: wrap; }
  .chart { flex: 1; min-width: 150px; }
  .chart .caption { font-size: 11px; color: var(--muted); display: flex; justify-content: space-between; }
  svg { display: block; width: 100%; height: 46px; background: #fbfcfd; border: 1px solid var(--line); border-radius: 3px; }
</style>
</head>
<body>
<header><h1>strand monitor</h1><span class="target" id="target"></span><span id="status" data-testid="status">connecting…</span></header>
<div id="summary" data-testid="summary"></div>
<main>
  <section class="panel">
    <h2>Tasks</h2>
    <div class="controls">
      <select id="state" data-testid="state-filter" aria-label="filter by state">
        <option value="">every state</option>
        <option value="executing">executing</option>
        <option value="ready">ready</option>
        <option value="parked">parked</option>
        <option value="closing">closing</option>
        <option value="detached">detached</option>
        <option value="cancelling">cancelling</option>
      </select>
      <input id="search" type="search" data-testid="search" placeholder="search names, waits, frames" aria-label="search">
      <button id="expand" data-testid="expand-all">expand all</button>
      <button id="collapse" data-testid="collapse-all">collapse all</button>
      <button id="pause" data-testid="pause">pause</button>
    </div>
    <div id="tree" data-testid="tree"></div>
  </section>
  <div>
    <section class="panel"><h2>Waits</h2><div id="waits" data-testid="waits"></div></section>
    <section class="panel" style="margin-top:12px"><h2>Channels</h2><div id="channels" data-testid="channels"></div></section>
    <section class="panel" style="margin-top:12px"><h2>Sync primitives</h2><div id="sync" data-testid="sync"></div></section>
  </div>
</main>
<script>
"use strict";
(function () {
  var HISTORY = 120;
  var open = new Map();
  var history = new Map();
  var previous = null;
  var latest = null;
  var paused = false;
  var $ = function (id) { return document.getElementById(id); };

  function h(tag, attrs) {
    var node = document.createElement(tag);
    for (var key in attrs || {}) {
      if (key === "text") node.textContent = attrs[key];
      else if (key === "className") node.className = attrs[key];
      else if (key.slice(0, 2) === "on") node.addEventListener(key.slice(2), attrs[key]);
      else node.setAttribute(key, attrs[key]);
    }
    for (var i = 2; i < arguments.length; i++) if (arguments[i] != null) node.appendChild(arguments[i]);
    return node;
  }
  function svg(tag, attrs) {
    var node = document.createElementNS("http://www.w3.org/2000/svg", tag);
    for (var key in attrs) node.setAttribute(key, attrs[key]);
    return node;
  }
  function ms(value) {
    if (value == null) return "";
    if (value < 1000) return (Number.isInteger(value) ? value : value.toFixed(1)) + " ms";
    if (value < 60000) return (value / 1000).toFixed(1) + " s";
    return (value / 60000).toFixed(1) + " min";
  }
  function num(value) {
    if (value >= 1e6) return (value / 1e6).toFixed(2) + "M";
    if (value >= 1e4) return (value / 1e3).toFixed(1) + "k";
    return Number.isInteger(value) ? String(value) : value.toFixed(1);
  }
  function label(task) {
    var at = task.path.lastIndexOf(" › ");
    return at < 0 ? task.path : task.path.slice(at + 3);
  }

  $("target").textContent = location.host;
  $("state").addEventListener("change", render);
  $("search").addEventListener("input", render);
  $("expand").addEventListener("click", function () { setAll(true); });
  $("collapse").addEventListener("click", function () { setAll(false); });
  $("pause").addEventListener("click", function () {
    paused = !paused;
    $("pause").textContent = paused ? "resume" : "pause";
    if (!paused) render();
  });

  function setAll(value) {
    if (latest === null) return;
    latest.dump.runtimes.forEach(function (runtime, r) {
      var pending = [runtime.root];
      while (pending.length > 0) {
        var task = pending.pop();
        open.set(r + ":" + task.id, value);
        pending.push.apply(pending, task.children);
      }
    });
    render();
  }

  // -- The stream ------------------------------------------------------------
  function connect() {
    var source = new EventSource("api/events");
    source.addEventListener("open", function () { status("live", "live"); });
    source.addEventListener("error", function () { status("lost", "disconnected, retrying…"); });
    source.addEventListener("snapshot", function (event) { receive(JSON.parse(event.data)); });
  }
  function status(kind, text) {
    var node = $("status");
    node.className = kind;
    node.textContent = text;
  }

  function receive(snapshot) {
    record(snapshot);
    latest = snapshot;
    if (!paused) render();
  }

  // Per channel: received per second since the previous snapshot, and the buffer.
  function record(snapshot) {
    var keys = new Set();
    var dt = previous === null ? 0 : (snapshot.at - previous.at) / 1000;
    var before = new Map();
    if (previous !== null) channelKeys(previous.metrics.channels).forEach(function (c) { before.set(c.key, c.channel); });
    channelKeys(snapshot.metrics.channels).forEach(function (c) {
      keys.add(c.key);
      var list = history.get(c.key) || [];
      var old = before.get(c.key);
      var rate = old && dt > 0 ? Math.max(0, c.channel.received - old.received) / dt : null;
      list.push({ at: snapshot.at, rate: rate, buffered: c.channel.buffered, capacity: c.channel.capacity });
      if (list.length > HISTORY) list.shift();
      history.set(c.key, list);
    });
    history.forEach(function (_, key) { if (!keys.has(key)) history.delete(key); });
    previous = snapshot;
  }
  // Channels are listed in the order they were made; a name used twice gets "(2)".
  function channelKeys(channels) {
    var count = new Map();
    return channels.map(function (channel) {
      var n = (count.get(channel.name) || 0) + 1;
      count.set(channel.name, n);
      return { key: n === 1 ? channel.name : channel.name + " (" + n + ")", channel: channel };
    });
  }

  // -- Rendering -------------------------------------------------------------
  function render() {
    if (latest === null) return;
    renderSummary(latest);
    renderTree(latest);
    renderWaits(latest);
    renderChannels(latest);
    renderSync(latest);
  }

  function tile(value, name, id) {
    return h("div", { className: "tile", "data-testid": "metric-" + id }, h("b", { text: value }), h("span", { text: name }));
  }
  function renderSummary(snapshot) {
    var s = snapshot.metrics.scheduler;
    var t = snapshot.metrics.timers;
    $("summary").replaceChildren(
      tile(String(s.tasks), "tasks", "tasks"),
      tile(String(s.runnable), "ready", "ready"),
      tile(String(s.parked), "parked", "parked"),
      tile(num(s.stepsPerSecond), "steps/s", "steps"),
      tile(ms(s.longestStepMs), "longest step", "longest"),
      tile(String(s.hostYields), "host yields", "yields"),
      tile(String(t.pending), "timers", "timers"),
      tile(String(snapshot.metrics.channels.length), "channels", "channels"),
      tile("pid " + snapshot.pid, new Date(snapshot.at).toLocaleTimeString(), "pid"));
  }

  function matches(task, state, search) {
    if (state !== "" && task.activity !== state && task.state !== state) return false;
    if (search === "") return true;
    if (task.path.toLowerCase().indexOf(search) >= 0) return true;
    if (task.waitsOn !== null && task.waitsOn.toLowerCase().indexOf(search) >= 0) return true;
    return task.stack.some(function (frame) {
      return (frame.function + " " + (frame.location || "")).toLowerCase().indexOf(search) >= 0;
    });
  }

  function renderTree(snapshot) {
    var state = $("state").value;
    var search = $("search").value.trim().toLowerCase();
    var filtering = state !== "" || search !== "";
    var tree = $("tree");
    var nodes = [];
    var shown = 0;
    snapshot.dump.runtimes.forEach(function (runtime, r) {
      // Which tasks to show: the matches and their ancestors (post-order, iteratively).
      var keep = new Set();
      var order = [];
      var pending = [runtime.root];
      while (pending.length > 0) {
        var task = pending.pop();
        order.push(task);
        pending.push.apply(pending, task.children);
      }
      var hit = new Set();
      for (var i = order.length - 1; i >= 0; i--) {
        var t = order[i];
        var mine = matches(t, state, search);
        if (mine) hit.add(t);
        if (mine || t.children.some(function (c) { return keep.has(c); })) keep.add(t);
      }
      if (!keep.has(runtime.root)) return;
      nodes.push(h("div", { className: "runtime", text: "runtime of " + label(runtime.root) + " · t=" + ms(runtime.now) + " · " + runtime.ready + " ready, " + runtime.parked + " parked, " + runtime.timers + " timers, " + runtime.external + " outside" }));
      nodes.push(renderTask(runtime.root, r, 0, keep, hit, filtering));
      shown += keep.size;
    });
    if (nodes.length === 0) nodes.push(h("div", { className: "empty", text: snapshot.dump.runtimes.length === 0 ? "no live runtimes" : "no task matches" }));
    tree.replaceChildren.apply(tree, nodes);
    tree.setAttribute("data-shown", String(shown));
  }

  function renderTask(task, r, depth, keep, hit, filtering) {
    var key = r + ":" + task.id;
    var expanded = filtering ? true : open.has(key) ? open.get(key) : depth < 3;
    var children = task.children.filter(function (c) { return keep.has(c); });
    var openable = children.length > 0 || task.stack.length > 0;
    var toggle = h("button", { className: "toggle", "aria-label": expanded ? "collapse" : "expand", "data-testid": "toggle", text: openable ? (expanded ? "▾" : "▸") : "" });
    if (openable) toggle.addEventListener("click", function () { open.set(key, !expanded); render(); });
    var row = h("div", { className: "row" + (filtering && hit.has(task) ? " match" : "") },
      toggle,
      h("span", { className: "name", text: label(task) }),
      h("span", { className: "badge " + task.activity, text: task.state === "running" ? task.activity : task.state + ", " + task.activity }),
      task.forMs === null ? null : h("span", { className: "for", text: "for " + ms(task.forMs) }),
      task.waitsOn === null ? null : h("span", { className: "wait", text: "on " + task.waitsOn }),
      task.priority !== 0 ? h("span", { className: "prio", text: "priority " + task.priority }) : null);
    var node = h("div", { className: "task", "data-testid": "task", "data-path": task.path, "data-activity": task.activity, "data-expanded": String(expanded) }, row);
    if (expanded) {
      if (task.stack.length > 0) {
        var stack = h("div", { className: "stack", "data-testid": "stack" });
        task.stack.forEach(function (frame) {
          stack.appendChild(h("div", { text: "at " + frame.function + (frame.location ? " (" + frame.location + ")" : "") + (frame.durableId ? " [" + frame.durableId + "]" : "") }));
        });
        node.appendChild(stack);
      }
      children.forEach(function (child) { node.appendChild(renderTask(child, r, depth + 1, keep, hit, filtering)); });
    } else if (children.length > 0) {
      node.appendChild(h("div", { className: "stack", text: "… " + children.length + " more" }));
    }
    return node;
  }

  function renderWaits(snapshot) {
    var groups = new Map();
    snapshot.dump.runtimes.forEach(function (runtime) {
      var pending = [runtime.root];
      while (pending.length > 0) {
        var task = pending.pop();
        if (task.waitsOn !== null) {
          // Sleeps differ only in their deadlines: one group for all of them.
          var what = task.waitsOn.replace(/ until t=[0-9.]+$/, "");
          var list = groups.get(what) || [];
          list.push(task);
          groups.set(what, list);
        }
        pending.push.apply(pending, task.children);
      }
    });
    var root = $("waits");
    if (groups.size === 0) return root.replaceChildren(h("div", { className: "empty", text: "no task is parked" }));
    var list = h("ul", { className: "waits" });
    Array.from(groups.keys()).sort(function (a, b) { return groups.get(b).length - groups.get(a).length; }).forEach(function (wait) {
      var tasks = groups.get(wait);
      var longest = tasks.reduce(function (m, t) { return Math.max(m, t.forMs || 0); }, 0);
      list.appendChild(h("li", { "data-testid": "wait" },
        h("span", { className: "wait", text: wait }),
        h("span", { className: "for", text: " · " + tasks.length + " task" + (tasks.length === 1 ? "" : "s") + (longest > 0 ? ", longest " + ms(longest) : "") + ": " + tasks.slice(0, 5).map(label).join(", ") + (tasks.length > 5 ? "…" : "") })));
    });
    root.replaceChildren(list);
  }

  function chart(points, value, max, color, testid) {
    var width = 240, height = 46;
    var node = svg("svg", { viewBox: "0 0 " + width + " " + height, preserveAspectRatio: "none", "data-testid": testid });
    if (points.length > 0) {
      // The newest point at the right edge; a short history fills 30 slots, a long one all of them.
      var step = width / (Math.max(30, points.length) - 1);
      var x0 = width - (points.length - 1) * step;
      var coords = [];
      points.forEach(function (p, i) {
        var v = value(p);
        if (v === null) return;
        coords.push((x0 + i * step).toFixed(1) + "," + (height - 2 - (max > 0 ? v / max : 0) * (height - 4)).toFixed(1));
      });
      if (coords.length > 0) {
        var first = coords[0].split(",")[0], last = coords[coords.length - 1].split(",")[0];
        node.appendChild(svg("polygon", { points: first + "," + height + " " + coords.join(" ") + " " + last + "," + height, fill: color, "fill-opacity": "0.15" }));
        node.appendChild(svg("polyline", { points: coords.join(" "), fill: "none", stroke: color, "stroke-width": "1.5", "vector-effect": "non-scaling-stroke" }));
      }
    }
    return node;
  }

  function renderChannels(snapshot) {
    var root = $("channels");
    var channels = channelKeys(snapshot.metrics.channels);
    if (channels.length === 0) return root.replaceChildren(h("div", { className: "empty", text: snapshot.metrics.tracking ? "no channel made since the monitor started" : "tracking is off" }));
    root.replaceChildren.apply(root, channels.map(function (c) {
      var ch = c.channel;
      var points = history.get(c.key) || [];
      var rate = points.length > 0 ? points[points.length - 1].rate : null;
      var peak = points.reduce(function (m, p) { return Math.max(m, p.rate || 0); }, 0);
      var capacity = ch.capacity === null ? points.reduce(function (m, p) { return Math.max(m, p.buffered); }, 0) : ch.capacity;
      var state = ch.cancelled ? "cancelled" : ch.closed ? "closed" : "open";
      return h("div", { className: "channel", "data-testid": "channel", "data-name": c.key },
        h("div", { className: "title" }, h("span", { className: "name", text: c.key }), h("span", { className: "figures", text: state + " · capacity " + (ch.capacity === null ? "∞" : ch.capacity) + " · sent " + num(ch.sent) + " · received " + num(ch.received) + " · waiting " + ch.waitingSenders + " senders, " + ch.waitingReceivers + " receivers" })),
        h("div", { className: "charts" },
          h("div", { className: "chart" }, h("div", { className: "caption" }, h("span", { text: "throughput" }), h("span", { "data-testid": "rate", text: rate === null ? "…" : num(rate) + "/s (peak " + num(peak) + ")" })), chart(points, function (p) { return p.rate; }, peak, "#2f7ed8", "throughput-chart")),
          h("div", { className: "chart" }, h("div", { className: "caption" }, h("span", { text: "buffer" }), h("span", { "data-testid": "buffered", text: ch.buffered + " / " + (ch.capacity === null ? "∞" : ch.capacity) })), chart(points, function (p) { return p.buffered; }, capacity, "#c98a00", "buffer-chart"))));
    }));
  }

  function renderSync(snapshot) {
    var root = $("sync");
    var list = snapshot.metrics.sync;
    if (list.length === 0) return root.replaceChildren(h("div", { className: "empty", text: "none made since the monitor started" }));
    var table = h("table", {}, h("tr", {}, h("th", { text: "kind" }), h("th", { text: "name" }), h("th", { text: "figures" })));
    list.forEach(function (s) {
      var figures = Object.keys(s).filter(function (k) { return k !== "kind" && k !== "name" && typeof s[k] !== "object"; }).map(function (k) { return k + " " + s[k]; }).join(" · ");
      table.appendChild(h("tr", { "data-testid": "sync-row" }, h("td", { text: s.kind }), h("td", { className: "name", text: s.name }), h("td", { className: "for", text: figures })));
    });
    root.replaceChildren(table);
  }

  connect();
})();
</script>
</body>
</html>
`;
