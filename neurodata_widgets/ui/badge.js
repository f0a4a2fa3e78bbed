// The "demo sandbox" badge, shown once per page: a dashboard of several widgets on one stand-in (a login
// and a browser) says it once. Of the badges on a page (a notebook in JupyterLab), the first one a user
// can see stays; the others step aside. When that one is hidden (its card folded, its tab left) the next
// visible one takes over: each badge watches its size, which changes as it shows or hides. (Each widget
// loads its own copy of this module, so the badges are found in the page, not kept here.)
const watcher = typeof ResizeObserver === "undefined" ? null : new ResizeObserver(() => settle());

function settle() {
  const boxes = [...document.querySelectorAll(".ndw-sandbox-badge-box")]; // in document order: the top one stays
  for (const box of boxes) box.classList.remove("ndw-badge-repeat");
  const kept = new Set();
  for (const box of boxes) {
    if (!box.querySelector(".ndw-sandbox-badge") || !box.getClientRects().length) continue;
    const scope = box.closest(".jp-Notebook") || document.body;
    if (kept.has(scope)) box.classList.add("ndw-badge-repeat");
    else kept.add(scope);
  }
}

function render({ model, el }) {
  el.classList.add("ndw-sandbox-badge-box");
  const draw = () => {
    el.innerHTML = model.get("value"); // built and escaped by Python
    requestAnimationFrame(settle);
  };
  if (watcher) watcher.observe(el);
  model.on("change:value", draw);
  draw();
  return () => { if (watcher) watcher.unobserve(el); requestAnimationFrame(settle); };
}
export default { render };
