// Groups of buttons drawn from data (a breadcrumb, a search's facets): one widget however many buttons, so
// a redraw is one changed value, not new widgets. Labels are shown as text, never as HTML. A click tells
// the kernel which button and its label, so a click on buttons redrawn meanwhile is ignored.
function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text) node.textContent = text;
  return node;
}

function render({ model, el }) {
  el.classList.add("ndw-buttons", model.get("inline") ? "ndw-buttons-inline" : "ndw-buttons-stacked");
  const draw = () => {
    el.replaceChildren();
    const groups = model.get("groups") || [];
    if (!groups.length) return;
    if (model.get("heading")) el.append(element("b", "ndw-buttons-heading", model.get("heading")));
    if (model.get("note")) el.append(element("span", "ndw-muted ndw-buttons-note", model.get("note")));
    groups.forEach((group, g) => {
      const row = element("div", "ndw-buttons-row");
      row.setAttribute("role", "group");
      if (group.name) {
        const name = element("span", "ndw ndw-muted ndw-buttons-name", group.name);
        name.id = `${model.get("_id_prefix")}-${g}`;
        row.setAttribute("aria-labelledby", name.id);
        (model.get("inline") ? row : el).append(name);
      }
      const titles = group.titles || [];
      group.labels.forEach((label, index) => {
        const button = element("button", `jupyter-widgets jupyter-button widget-button ${model.get("button_class")}`.trim(), label);
        button.type = "button";
        if (titles[index]) button.title = titles[index];
        button.addEventListener("click", () => model.send({ group: g, index, label }));
        row.append(button);
      });
      el.append(row);
    });
  };
  for (const name of ["groups", "heading", "note"]) model.on(`change:${name}`, draw);
  draw();
}
export default { render };
