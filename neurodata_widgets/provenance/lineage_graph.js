// Lineage graph front end: draws the SVG laid out in Python and reports clicks back.
// Shipped inside the package (no CDN); every label in the SVG was escaped by Python.
function render({ model, el }) {
  el.classList.add("ndw-lineage-graph");
  const draw = () => {
    el.innerHTML = model.get("svg");
    el.querySelectorAll("[data-node]").forEach((node) => {
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
  };
  draw();
  model.on("change:svg", draw);
}
export default { render };
