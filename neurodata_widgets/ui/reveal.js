// Brings the message it sits beside into view when the kernel asks (an error shown below the fold after a
// failed download): the shortest scroll that shows it whole, smooth unless the user asked for less motion.
// The message itself is a role="alert" region, so a screen reader announces it as it appears.
function render({ model, el }) {
  el.classList.add("ndw-reveal");
  model.on("change:count", () => {
    requestAnimationFrame(() => {
      const target = el.closest(".ndw-banner-box") || el.parentElement;
      if (!target || !target.getClientRects().length) return; // in a tab not shown: nothing to bring forward
      const still = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
      target.scrollIntoView({ behavior: still ? "auto" : "smooth", block: "nearest" });
    });
  });
}
export default { render };
