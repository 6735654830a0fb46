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
