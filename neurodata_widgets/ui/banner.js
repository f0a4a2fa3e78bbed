// A status banner as one widget: the message (HTML written by the kernel, every piece of text escaped there), a
// Dismiss button for errors and warnings, and the bringing into view of an error shown below the fold (the
// shortest scroll that shows it whole, smooth unless the user asked for less motion). The message itself is a
// role="alert" region, so a screen reader announces it as it appears.
function render({ model, el }) {
  // drawn as ipywidgets draws an HBox of an HTML and a Button, so the banner looks as it always did
  el.classList.add("ndw-banner-box", "widget-container", "widget-box", "widget-hbox", "jupyter-widget-box",
                   "jupyter-widget-hbox");
  const body = document.createElement("div");
  body.className = "jupyter-widgets widget-inline-hbox widget-html jupyter-widget-inline-hbox jupyter-widget-html";
  body.style.flex = "1 1 auto";
  body.style.minWidth = "0";
  const content = document.createElement("div");
  content.className = "widget-html-content jupyter-widget-html-content";
  body.append(content);
  const dismiss = document.createElement("button");
  dismiss.type = "button";
  dismiss.className = "jupyter-widgets jupyter-button widget-button ndw-banner-dismiss";
  dismiss.title = "Hide this message";
  dismiss.style.width = "auto";
  dismiss.style.flex = "0 0 auto";
  const icon = document.createElement("i");
  icon.className = "fa fa-times";
  dismiss.append(icon, "Dismiss");
  dismiss.addEventListener("click", () => model.send({ event: "dismiss" }));
  el.append(body, dismiss);
  const draw = () => {
    content.innerHTML = model.get("html");
    dismiss.style.display = model.get("dismissible") ? "" : "none";
  };
  draw();
  model.on("change:html", draw);
  model.on("change:dismissible", draw);
  model.on("change:count", () => {
    requestAnimationFrame(() => {
      if (!el.getClientRects().length) return; // in a tab not shown: nothing to bring forward
      const still = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
      el.scrollIntoView({ behavior: still ? "auto" : "smooth", block: "nearest" });
    });
  });
}
export default { render };
