// Inside an LMS's frame, a blocked cookie would make the launch fail: try one first. If it sticks, go on
// here; if not, leave the "new window" button, where the cookie is first-party. Without this script both
// links show and the student chooses.
(function () {
  "use strict";
  var box = document.getElementById("lti-cookie-check");
  if (!box) return;
  var secure = window.location.protocol === "https:";
  var probe = "lti1p3-probe=" + Math.random().toString(36).slice(2);
  document.cookie = probe + "; path=/; max-age=60" + (secure ? "; SameSite=None; Secure; Partitioned" : "");
  var kept = document.cookie.indexOf(probe) !== -1;
  if (kept) {
    window.location.replace(box.getAttribute("data-continue"));
    return;
  }
  document.getElementById("lti-checking").hidden = true;
  document.getElementById("lti-blocked").hidden = false;
  var here = document.getElementById("lti-continue");
  if (here) here.hidden = true;
})();
