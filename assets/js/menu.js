// On a phone the main menu folds behind a "Menu" button, so the page starts near the top of the
// screen. Without JavaScript the menu simply stays open.
(function () {
  "use strict";
  var header = document.querySelector(".site-header");
  var button = document.querySelector(".menu-toggle");
  if (!header || !button) return;
  var narrow = window.matchMedia("(max-width: 40rem)");
  function fold() {
    header.classList.toggle("site-header--folded", narrow.matches);
    button.hidden = !narrow.matches;
    if (!narrow.matches) header.classList.remove("site-header--open");
    button.setAttribute("aria-expanded", header.classList.contains("site-header--open") ? "true" : "false");
  }
  button.addEventListener("click", function () {
    header.classList.toggle("site-header--open");
    button.setAttribute("aria-expanded", header.classList.contains("site-header--open") ? "true" : "false");
  });
  narrow.addEventListener("change", fold);
  fold();
})();
