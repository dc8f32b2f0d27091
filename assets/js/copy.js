// "Copy the link": copies the text of the input named by the button's data-copy to the
// clipboard, says so, and leaves it selected where the clipboard is not available. Without
// script the button stays hidden and the link can be selected by hand.
(function () {
  "use strict";
  var status = document.querySelector("[data-copy-status]");
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var input = document.getElementById(button.getAttribute("data-copy"));
    if (!input) return;
    button.hidden = false;
    var label = button.textContent;
    button.addEventListener("click", function () {
      input.focus();
      input.select();
      var done = function () {
        button.textContent = "Copied";
        if (status) status.textContent = "The link is copied.";
        window.setTimeout(function () { button.textContent = label; }, 3000);
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(done, function () {
          if (status) status.textContent = "Select the link and copy it.";
        });
      } else if (document.execCommand && document.execCommand("copy")) {
        done();
      } else if (status) {
        status.textContent = "The link is selected: copy it.";
      }
    });
  });
})();
