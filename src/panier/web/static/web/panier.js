// Small enhancements for pages that already work without JavaScript; a page
// that needs them loads this file in its "head" block.
// Kept in a static file: the Content-Security-Policy allows no inline script.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-print]");
  if (button) {
    event.preventDefault();
    window.print();
  }
});
