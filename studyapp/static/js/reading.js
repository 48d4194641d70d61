// Glossary tooltips: Escape hides the one showing (WCAG 1.4.13); reaching another term shows tips again.
(function () {
  "use strict";
  var root = document.documentElement;
  var dismissed = null;
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      dismissed = document.querySelector(".term:focus-within, .term:hover");
      root.classList.add("tips-dismissed");
    }
  });
  function reset(event) {
    var term = event.target.closest ? event.target.closest(".term") : null;
    if (term && term !== dismissed) {
      dismissed = null;
      root.classList.remove("tips-dismissed");
    }
  }
  document.addEventListener("focusin", reset);
  document.addEventListener("pointerover", reset);
})();
