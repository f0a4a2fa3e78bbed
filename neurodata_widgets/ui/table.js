// The table front end: draws the page of rows Python prepared (every cell already escaped there) and
// reports what the user does: check rows (shift-click for a range), sort by a header, page, move with the
// keyboard, open a row's detail, expand a tree node, cancel a slow load. Shipped inside the package (no CDN):
// dashboards work offline.
const NARROW = 560; // under this width (px) the stacked columns move under the first column
const WORDY = 24; // a cell longer than this (in characters, with spaces) holds words to read, not a value
const WORDS = 12; // a cell of a few words ("browser alpha copy", a collection's name) keeps two of them a line

function render({ model, el }) {
  el.classList.add("ndw-table-widget");
  const root = document.createElement("div");
  root.className = "ndw-dt";
  el.appendChild(root);
  let anchor = null; // the row a shift-click range starts from
  let scrolled = 0; // how far the columns are scrolled sideways: a redraw keeps it
  let cue = () => {}; // shows the edge shadows where columns lie hidden sideways (set by each draw)
  const watcher = typeof ResizeObserver === "undefined" ? null : new ResizeObserver(() => cue());

  const send = (content) => model.send(content);
  const keyOf = (k) => JSON.stringify(k);
  const selectedSet = () => new Set((model.get("selected") || []).map(keyOf));

  function setSelected(keys) {
    model.set("selected", keys);
    model.save_changes();
  }

  function toggle(rowIndex, shift) {
    const rows = model.get("rows");
    const chosen = selectedSet();
    const key = rows[rowIndex].key;
    const turnOn = !chosen.has(keyOf(key));
    let span = [rowIndex];
    if (shift && anchor !== null && anchor < rows.length) {
      span = [];
      for (let i = Math.min(anchor, rowIndex); i <= Math.max(anchor, rowIndex); i++) span.push(i);
    }
    let keys = (model.get("selected") || []).slice();
    for (const i of span) {
      const k = rows[i].key;
      const has = keys.some((x) => keyOf(x) === keyOf(k));
      if (turnOn && !has) keys.push(k);
      if (!turnOn && has) keys = keys.filter((x) => keyOf(x) !== keyOf(k));
    }
    anchor = rowIndex;
    setSelected(keys);
  }

  function activate(rowIndex) {
    const rows = model.get("rows");
    if (rowIndex < 0 || rowIndex >= rows.length) return;
    send({ event: "active", key: rows[rowIndex].key });
  }

  function draw() {
    const rows = model.get("rows") || [];
    const headers = model.get("headers") || [];
    const chosen = selectedSet();
    const active = keyOf(model.get("active"));
    const sortBy = model.get("sort_by");
    const ascending = model.get("ascending");
    const checkable = model.get("checkable");
    const page = model.get("page");
    const pages = model.get("pages");
    const focused = root.contains(document.activeElement);
    const scrollerFocused = focused && document.activeElement.classList.contains("ndw-dt-scroll");
    const previous = root.querySelector(".ndw-dt-scroll");
    if (previous) scrolled = previous.scrollLeft;
    const busy = model.get("busy");
    const tree = model.get("tree");
    const sortable = model.get("sortable");
    const canSort = (h) => sortable === null || sortable === undefined || sortable.includes(h);
    root.innerHTML = "";
    root.classList.toggle("ndw-dt-is-busy", Boolean(busy));
    root.setAttribute("aria-busy", String(Boolean(busy)));

    const bar = document.createElement("div");
    bar.className = "ndw-dt-bar";
    const info = document.createElement("span");
    info.className = "ndw-dt-info";
    const nSel = (model.get("selected") || []).length;
    const total = model.get("total");
    info.textContent = `${total} ${total === 1 ? "row" : "rows"}` + (nSel ? ` · ${nSel} selected` : "") +
      (pages > 1 ? ` · page ${page + 1} of ${pages}` : "");
    const pager = document.createElement("span");
    pager.className = "ndw-dt-pager";
    for (const [label, step, cls] of [["‹ Prev", -1, "ndw-dt-prev"], ["Next ›", 1, "ndw-dt-next"]]) {
      const b = document.createElement("button");
      b.className = `jupyter-button ${cls}`;
      b.textContent = label;
      b.disabled = step < 0 ? page <= 0 : page >= pages - 1;
      b.addEventListener("click", () => { model.set("page", page + step); model.save_changes(); });
      pager.appendChild(b);
    }
    bar.append(info, pager);

    const loading = document.createElement("div");
    loading.className = "ndw-dt-busy";
    loading.setAttribute("role", "status");
    if (busy) {
      const spin = document.createElement("span");
      spin.className = "ndw-dt-spinner";
      spin.setAttribute("aria-hidden", "true");
      const text = document.createElement("span");
      text.className = "ndw-dt-busy-text";
      text.textContent = model.get("busy_text") || "Loading…";
      loading.append(spin, text);
      if (model.get("cancellable")) {
        const stop = document.createElement("button");
        stop.className = "jupyter-button ndw-dt-cancel";
        stop.textContent = "Cancel";
        stop.title = "Stop waiting; the table stays as it was";
        stop.addEventListener("click", () => send({ event: "cancel" }));
        loading.appendChild(stop);
      }
    } else {
      loading.hidden = true;
    }

    const scroller = document.createElement("div");
    scroller.className = "ndw-dt-scroll";
    const table = document.createElement("table");
    table.className = "ndw-table ndw-dt-table";
    table.tabIndex = 0;
    table.setAttribute("role", "grid");
    table.setAttribute("aria-label", model.get("caption") || "table");
    const thead = document.createElement("thead");
    const hr = document.createElement("tr");
    if (checkable) {
      const th = document.createElement("th");
      th.className = "ndw-dt-check";
      const all = document.createElement("input");
      all.type = "checkbox";
      all.title = "Select every row on this page";
      all.setAttribute("aria-label", "select all rows on this page");
      const onPage = rows.filter((r) => chosen.has(keyOf(r.key))).length;
      all.checked = rows.length > 0 && onPage === rows.length;
      all.indeterminate = onPage > 0 && onPage < rows.length;
      all.addEventListener("click", () => {
        const pageKeys = new Set(rows.map((r) => keyOf(r.key)));
        let keys = (model.get("selected") || []).filter((k) => !pageKeys.has(keyOf(k)));
        if (all.checked) keys = keys.concat(rows.map((r) => r.key));
        setSelected(keys);
      });
      th.appendChild(all);
      hr.appendChild(th);
    }
    const stacked = new Set((model.get("stack") || []).map((h) => headers.indexOf(h)).filter((c) => c > 0));
    const headCells = [];
    headers.forEach((h, c) => {
      const th = document.createElement("th");
      headCells.push(th);
      if (stacked.has(c)) th.dataset.stacked = "";
      th.textContent = h + (sortBy === h ? (ascending ? " ▲" : " ▼") : "");
      if (canSort(h)) {
        th.className = "ndw-dt-sort";
        th.setAttribute("aria-sort", sortBy === h ? (ascending ? "ascending" : "descending") : "none");
        th.title = `Sort by ${h}`;
        th.addEventListener("click", () => {
          if (sortBy === h) model.set("ascending", !ascending);
          else { model.set("sort_by", h); model.set("ascending", true); }
          model.save_changes();
        });
      }
      hr.appendChild(th);
    });
    thead.appendChild(hr);
    table.appendChild(thead);

    const tbody = document.createElement("tbody");
    const wordy = headers.map(() => false); // columns of sentences, commands or paths
    const words = headers.map(() => false); // columns of short phrases (labels, names)
    rows.forEach((row, i) => {
      const tr = document.createElement("tr");
      tr.dataset.index = String(i);
      const isSel = chosen.has(keyOf(row.key));
      const isActive = keyOf(row.key) === active;
      tr.className = (isSel ? "ndw-dt-selected " : "") + (isActive ? "ndw-dt-active" : "");
      tr.setAttribute("aria-selected", String(isSel));
      if (checkable) {
        const td = document.createElement("td");
        td.className = "ndw-dt-check";
        const box = document.createElement("input");
        box.type = "checkbox";
        box.checked = isSel;
        box.setAttribute("aria-label", "select row");
        box.addEventListener("click", (event) => { event.stopPropagation(); toggle(i, event.shiftKey); });
        td.appendChild(box);
        tr.appendChild(td);
      }
      row.cells.forEach((html, c) => {
        const td = document.createElement("td");
        if (tree && c === 0) {
          td.className = "ndw-dt-node";
          td.style.paddingLeft = `${8 + 18 * (row.depth || 0)}px`;
          const twist = document.createElement(row.kids === null || row.kids === undefined ? "span" : "button");
          twist.className = "ndw-dt-twist";
          if (twist.tagName === "BUTTON") {
            twist.textContent = row.kids ? "▾" : "▸";
            twist.setAttribute("aria-expanded", String(Boolean(row.kids)));
            twist.setAttribute("aria-label", row.kids ? "collapse" : "expand");
            twist.addEventListener("click", (event) => {
              event.stopPropagation();
              send({ event: "toggle", key: row.key });
            });
          }
          const label = document.createElement("span");
          label.innerHTML = html; // escaped by Python
          td.append(twist, label);
        } else {
          td.innerHTML = html; // escaped by Python (ui/html.py); Markup cells are built by the package
          const text = td.textContent.trim();
          if (text.length > WORDY && /\s/.test(text)) wordy[c] = true;
          else if (text.length > WORDS && /\s/.test(text)) words[c] = true;
        }
        if (stacked.has(c)) td.dataset.stacked = "";
        tr.appendChild(td);
      });
      if (stacked.size) { // their text under the first column's, drawn by CSS while the table is narrow
        const cells = [...tr.children].slice(checkable ? 1 : 0);
        const under = [...stacked].map((c) => cells[c].textContent.trim()).filter((text) => text);
        if (under.length) cells[0].dataset.under = under.join(" · ");
      }
      tr.addEventListener("click", (event) => {
        if (event.target.closest("a,button,input,summary")) return;
        if (event.shiftKey && checkable) toggle(i, true);
        else activate(i);
      });
      tbody.appendChild(tr);
      if (isActive && model.get("detail")) {
        const dr = document.createElement("tr");
        dr.className = "ndw-dt-detail";
        const td = document.createElement("td");
        td.colSpan = headers.length + (checkable ? 1 : 0);
        td.innerHTML = model.get("detail"); // built and escaped by Python
        dr.appendChild(td);
        tbody.appendChild(dr);
      }
    });
    if (!rows.length && !model.get("busy")) { // while rows are being fetched the loading bar says so: no "No rows." yet
      const tr = document.createElement("tr");
      const td = document.createElement("td");
      td.colSpan = headers.length + (checkable ? 1 : 0);
      td.className = "ndw-muted ndw-dt-empty";
      td.textContent = model.get("empty_text") || "No rows.";
      tr.appendChild(td);
      tbody.appendChild(tr);
    }
    table.appendChild(tbody);
    // such a column keeps room for a few words a line: on a narrow page the table scrolls sideways (with its
    // cue) rather than standing the words one a line
    wordy.forEach((yes, c) => headCells[c].classList.toggle("ndw-dt-wordy", yes));
    words.forEach((yes, c) => headCells[c].classList.toggle("ndw-dt-words", yes && !wordy[c]));
    // a button or link the owner put in a cell or in the detail with data-action="name": the owner's
    // on_action callbacks get the name and the row (the active row, for the detail)
    tbody.addEventListener("click", (event) => {
      const el = event.target.closest("[data-action]");
      if (!el || !tbody.contains(el)) return;
      event.preventDefault();
      event.stopPropagation();
      const tr = el.closest("tr");
      const key = tr.classList.contains("ndw-dt-detail") ? model.get("active") : rows[Number(tr.dataset.index)].key;
      send({ event: "action", action: el.dataset.action, key });
    });

    table.addEventListener("keydown", (event) => {
      const current = rows.findIndex((r) => keyOf(r.key) === keyOf(model.get("active")));
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        const next = current < 0 ? 0 : current + (event.key === "ArrowDown" ? 1 : -1);
        if (event.shiftKey && checkable && current >= 0 && next >= 0 && next < rows.length) toggle(next, false);
        activate(Math.max(0, Math.min(rows.length - 1, next)));
      } else if (event.key === " " && checkable && current >= 0) {
        event.preventDefault();
        toggle(current, event.shiftKey);
      } else if (tree && current >= 0 && (event.key === "ArrowRight" || event.key === "ArrowLeft")) {
        const kids = rows[current].kids;
        if (kids !== null && kids !== undefined && kids === (event.key === "ArrowLeft")) {
          event.preventDefault();
          send({ event: "toggle", key: rows[current].key });
        }
      } else if (event.key === "Enter" && current >= 0) {
        event.preventDefault();
        send({ event: "open", key: rows[current].key });
      } else if (event.key === "PageDown" && page < pages - 1) {
        event.preventDefault(); model.set("page", page + 1); model.save_changes();
      } else if (event.key === "PageUp" && page > 0) {
        event.preventDefault(); model.set("page", page - 1); model.save_changes();
      }
    });
    scroller.appendChild(table);
    // columns hidden sideways are announced: a shadow on each side that hides some (updated on scroll and
    // resize), and the scroller becomes a named stop for the keyboard (arrow keys scroll it)
    const frame = document.createElement("div");
    frame.className = "ndw-dt-frame";
    const edges = ["left", "right"].map((side) => {
      const edge = document.createElement("div");
      edge.className = `ndw-dt-cue ndw-dt-cue-${side}`;
      edge.dataset.scrollCue = side;
      edge.setAttribute("aria-hidden", "true");
      return edge;
    });
    frame.append(scroller, ...edges);
    cue = () => {
      root.classList.toggle("ndw-dt-narrow", root.clientWidth > 0 && root.clientWidth < NARROW);
      const hidden = scroller.scrollWidth - scroller.clientWidth;
      edges[0].classList.toggle("ndw-dt-cue-on", hidden > 1 && scroller.scrollLeft > 1);
      edges[1].classList.toggle("ndw-dt-cue-on", hidden > 1 && scroller.scrollLeft < hidden - 1);
      if (hidden > 1) {
        scroller.tabIndex = 0;
        scroller.setAttribute("role", "region");
        scroller.setAttribute("aria-label", `${model.get("caption") || "table"}: more columns lie sideways; ` +
          "scroll with the arrow keys");
      } else {
        for (const name of ["tabindex", "role", "aria-label"]) scroller.removeAttribute(name);
      }
    };
    scroller.addEventListener("scroll", cue, { passive: true });
    root.append(bar, loading, frame);
    scroller.scrollLeft = scrolled;
    if (watcher) { watcher.disconnect(); watcher.observe(scroller); watcher.observe(table); }
    cue();
    if (scrollerFocused) scroller.focus();
    else if (focused) table.focus();
  }

  // a double-click opens (or, in a tree, expands) its row. The first click makes the row active and the
  // kernel's answer redraws the rows; landing while the button is pressed the second time, it removes the
  // row pressed, and the browser then sends no dblclick at all. So the second press and its release are
  // matched by the row's key, on the part never redrawn.
  const rowAt = (node) => {
    const tr = node && node.closest && !node.closest("a,button,input,summary") ? node.closest("tbody tr[data-index]")
      : null;
    return (tr && (model.get("rows") || [])[Number(tr.dataset.index)]) || null;
  };
  let pressed = null; // the key of the row the second press of a double-click was on
  root.addEventListener("mousedown", (event) => {
    const row = event.button === 0 && event.detail === 2 ? rowAt(event.target) : null;
    pressed = row ? keyOf(row.key) : null;
  });
  root.addEventListener("mouseup", (event) => {
    const row = event.button === 0 && event.detail === 2 ? rowAt(event.target) : null;
    const same = row !== null && pressed === keyOf(row.key);
    pressed = null;
    if (!same) return;
    const node = model.get("tree") && row.kids !== null && row.kids !== undefined;
    send({ event: node ? "toggle" : "open", key: row.key });
  });

  // several values change in one message from the kernel: the table is drawn once for all of them
  let queued = false;
  const redraw = () => {
    if (queued) return;
    queued = true;
    queueMicrotask(() => { queued = false; draw(); });
  };
  draw();
  for (const name of ["rows", "headers", "selected", "active", "detail", "sort_by", "ascending", "page", "pages",
                      "total", "busy", "busy_text", "cancellable", "sortable", "tree", "stack"]) {
    model.on(`change:${name}`, redraw);
  }
  // the page is up: work that waited for it (a dashboard's first listing) may start (after this frame is painted)
  requestAnimationFrame(() => setTimeout(() => send({ event: "drawn" }), 0));
}
export default { render };
