// Post the deep-linking response back to the platform at once; without JavaScript the button does it.
(function () {
  "use strict";
  var form = document.querySelector("form[data-auto-submit]");
  if (form) form.submit();
})();
