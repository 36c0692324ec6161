// Print links (data-print) without inline handlers, which the Content-Security-Policy forbids.
document.addEventListener("click", function (event) {
  var link = event.target.closest("[data-print]");
  if (link) {
    event.preventDefault();
    window.print();
  }
});
