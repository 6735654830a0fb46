// The pages' own behaviour, in a file because the Content-Security-Policy allows no inline
// script (no onclick=, no javascript: links): a button marked data-print prints the page,
// one marked data-back goes back in the browser's history.
document.addEventListener("click", function (event) {
  var target = event.target instanceof Element ? event.target : null;
  if (!target) return;
  if (target.closest("[data-print]")) {
    event.preventDefault();
    window.print();
  } else if (target.closest("[data-back]")) {
    event.preventDefault();
    window.history.back();
  }
});

// Presentation mode: the chair steps through the agenda from the keyboard (or a presentation
// clicker, which sends PageDown/PageUp). Keys typed into the decision form are left alone.
document.addEventListener("keydown", function (event) {
  var body = document.body;
  if (!body || !body.hasAttribute("data-present")) return;
  if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
  var target = event.target instanceof Element ? event.target : null;
  if (target && target.closest("input, select, textarea, button, [contenteditable]")) return;
  var url = null;
  if (event.key === "ArrowRight" || event.key === "PageDown" || event.key === "n") {
    url = body.getAttribute("data-next");
  } else if (event.key === "ArrowLeft" || event.key === "PageUp" || event.key === "p") {
    url = body.getAttribute("data-previous");
  }
  if (url) {
    event.preventDefault();
    window.location.assign(url);
  }
});
