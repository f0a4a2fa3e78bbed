// Lineage graph front end: draws the SVG laid out in Python and reports clicks back.
// Shipped inside the package (no CDN); the SVG's labels are escaped by Python.
function render({ model, el }) {
  el.classList.add("ndw-lineage-graph");
  const draw = () => {
    el.innerHTML = model.get("svg");
    el.querySelectorAll("[data-node]").forEach((node) => {
      node.addEventListener("click", (event) => {
        event.stopPropagation();
        model.send({ event: "click", node: node.getAttribute("data-node") });
      });
    });
  };
  draw();
  model.on("change:svg", draw);
}
export default { render };
