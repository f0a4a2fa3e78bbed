// Lineage graph front end: draws the SVG laid out in Python, fits it to its panel, zooms and pans, and
// reports clicks back. Shipped inside the package (no CDN); every label in the SVG was escaped by Python.
function render({ model, el }) {
  el.classList.add("ndw-lineage-graph");
  const tools = document.createElement("div");
  tools.className = "ndw-lg-tools";
  const view = document.createElement("div");
  view.className = "ndw-lg-view";
  view.style.cssText = "overflow:hidden;width:100%;max-width:100%;box-sizing:border-box;touch-action:none;" +
    "cursor:grab;border:1px solid var(--jp-border-color2,#eaeef2);border-radius:4px;";
  el.append(tools, view);
  let box = null; // the viewBox shown: [x, y, w, h]
  let full = null; // the whole graph
  let moved = false; // the user zoomed or panned: a resize keeps their view
  // labels are drawn at 100% (never larger, so three nodes are not giant) and at least at READABLE of it
  // (a wide graph in a narrow window is panned rather than shrunk to unreadable text)
  const READABLE = 0.75;

  const apply = () => {
    const svg = view.querySelector("svg");
    if (svg && box) svg.setAttribute("viewBox", box.map((v) => v.toFixed(1)).join(" "));
  };
  const readable = () => {
    // the view at a readable scale: the whole graph when it fits, else its left part (drag to see the rest)
    const svg = view.querySelector("svg");
    if (!svg || !full) return;
    const width = Math.max(1, view.clientWidth || 640);
    const scale = Math.max(READABLE, Math.min(1, width / Math.max(1, full[2])));
    const height = Math.min(520, Math.max(120, full[3] * scale));
    const w = width / scale;
    const h = height / scale;
    const x = full[2] <= w ? full[0] - (w - full[2]) / 2 : full[0];
    const y = full[3] <= h ? full[1] - (h - full[3]) / 2 : full[1];
    svg.style.height = height + "px";
    box = [x, y, w, h];
    apply();
  };
  const zoom = (factor, cx = 0.5, cy = 0.5) => {
    if (!box) return;
    const [x, y, w, h] = box;
    const nw = Math.max(full[2] / 20, Math.min(full[2] * 4, w * factor));
    const nh = nw * (h / w);
    box = [x + (w - nw) * cx, y + (h - nh) * cy, nw, nh];
    moved = true;
    apply();
  };
  const fit = () => {
    if (!full) return;
    box = full.slice();
    moved = true;
    const svg = view.querySelector("svg");
    if (svg) svg.style.height = Math.min(520, Math.max(120, full[3] * view.clientWidth / Math.max(1, full[2]))) + "px";
    apply();
  };
  for (const [label, title, action] of [["+", "Zoom in", () => zoom(0.8)], ["−", "Zoom out", () => zoom(1.25)],
                                        ["Fit", "Show the whole graph", fit]]) {
    const b = document.createElement("button");
    b.className = "jupyter-button ndw-lg-" + (label === "Fit" ? "fit" : label === "+" ? "zoom-in" : "zoom-out");
    b.textContent = label;
    b.title = title;
    b.addEventListener("click", action);
    tools.appendChild(b);
  }
  const hint = document.createElement("span");
  hint.className = "ndw-muted";
  hint.textContent = " drag to move, Ctrl + wheel to zoom";
  tools.appendChild(hint);

  const draw = () => {
    view.innerHTML = model.get("svg");
    const svg = view.querySelector("svg");
    tools.style.display = svg ? "" : "none";
    view.style.display = svg ? "" : "none";
    if (!svg) return;
    const vb = (svg.getAttribute("viewBox") || "0 0 100 100").split(/\s+/).map(Number);
    const same = full && full.join(" ") === vb.join(" ");
    full = vb;
    svg.removeAttribute("width");
    svg.removeAttribute("height");
    svg.style.width = "100%";
    svg.setAttribute("preserveAspectRatio", "xMidYMid meet");
    svg.querySelectorAll("[data-node]").forEach((node) => {
      const choose = (event) => {
        event.preventDefault();
        event.stopPropagation();
        model.send({ event: "click", node: node.getAttribute("data-node") });
      };
      node.addEventListener("click", choose);
      // keyboard users focus nodes with Tab and choose them with Enter or Space
      node.addEventListener("keydown", (event) => {
        if (event.key === "Enter" || event.key === " ") choose(event);
      });
    });
    if (same && box) { // a click redraws the same graph: keep the zoom and position
      svg.style.height = lastHeight;
      apply();
    } else {
      moved = false;
      readable();
    }
    lastHeight = svg.style.height;
  };
  let lastHeight = "";

  let drag = null;
  view.addEventListener("pointerdown", (event) => {
    if (event.target.closest("[data-node]") || !box) return;
    drag = { x: event.clientX, y: event.clientY, box: box.slice() };
    view.setPointerCapture(event.pointerId);
  });
  view.addEventListener("pointermove", (event) => {
    if (!drag) return;
    const scale = drag.box[2] / Math.max(1, view.clientWidth);
    box = [drag.box[0] - (event.clientX - drag.x) * scale, drag.box[1] - (event.clientY - drag.y) * scale,
           drag.box[2], drag.box[3]];
    moved = true;
    apply();
  });
  const stop = () => { drag = null; };
  view.addEventListener("pointerup", stop);
  view.addEventListener("pointercancel", stop);
  view.addEventListener("wheel", (event) => {
    if (!event.ctrlKey) return; // plain wheel scrolls the page
    event.preventDefault();
    const r = view.getBoundingClientRect();
    zoom(event.deltaY > 0 ? 1.15 : 0.87, (event.clientX - r.left) / r.width, (event.clientY - r.top) / r.height);
  }, { passive: false });

  draw();
  model.on("change:svg", draw);
  // drawn while its tab was hidden (no width yet) or the window changed: lay out again, unless the user moved it
  if (typeof ResizeObserver !== "undefined") {
    const watcher = new ResizeObserver(() => { if (!moved) { readable(); lastHeight = (view.querySelector("svg") || {style: {}}).style.height; } });
    watcher.observe(view);
    return () => watcher.disconnect();
  }
}
export default { render };
