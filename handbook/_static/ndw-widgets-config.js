// The widget manager finds its fonts relative to its own module address: point that address at the
// copy served with these pages (_static/ndw-widgets/), so icons load offline and from no CDN; widgets built
// with anywidget load its front end from the pages too.
(function () {
  var here = document.currentScript.src.replace(/[^/]*$/, "");
  require.config({ paths: { "@jupyter-widgets/html-manager": here + "ndw-widgets/html-manager",
                             // anywidget's front end (the toolkit's table), copied from the installed package
                             "anywidget": here + "ndw-anywidget/index" } });
})();
