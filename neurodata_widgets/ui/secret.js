// A password box whose text never enters the widget's synced state: JupyterLab saves a notebook's widget state
// into the .ipynb, so a typed password would be written to disk. The text goes to the kernel as a custom
// message (never saved) on every keystroke; the kernel asks for it to be cleared after each attempt.
function render({ model, el }) {
  const box = document.createElement("div");
  box.className = "ndw-secret widget-inline-hbox widget-text widget-password";
  // as wide as the widget's own layout gives it (ipywidgets' default inline width would stick out)
  box.style.cssText = "width:100%;max-width:100%;box-sizing:border-box;margin:0;";
  const label = document.createElement("label");
  const input = document.createElement("input");
  const id = "ndw-secret-" + Math.random().toString(36).slice(2);
  label.className = "widget-label";
  label.htmlFor = id;
  input.id = id;
  input.type = "password";
  input.className = "widget-input";
  input.autocomplete = "current-password";
  input.spellcheck = false;
  input.style.cssText = "min-width:0;flex:1 1 auto;";
  const sync = () => {
    label.textContent = model.get("description");
    label.style.display = model.get("description") ? "" : "none";
    input.placeholder = model.get("placeholder");
    input.disabled = model.get("disabled");
  };
  sync();
  model.on("change:description change:placeholder change:disabled", sync);
  const send = () => model.send({ kind: "secret", value: input.value });
  input.addEventListener("input", send);
  input.addEventListener("change", send);
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      send();
      model.send({ kind: "submit" });
    }
  });
  model.on("msg:custom", (msg) => {
    if (msg && msg.kind === "clear") {
      input.value = "";
    }
  });
  box.append(label, input);
  el.append(box);
  return () => model.off(null, null, null);
}
export default { render };
