// The register saves each tap without reloading the page, so a trainer on a tablet keeps their
// place in a long list. Without JavaScript (or if saving this way fails) the form posts as usual
// and the page reloads at the learner: the same result, a little slower.
(function () {
  "use strict";
  var status = document.querySelector("[data-register-status]");
  document.querySelectorAll("form.register__form").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      var button = event.submitter;
      if (!button || button.name !== "status" || form.dataset.plain === "true") return;
      event.preventDefault();
      var data = new FormData(form);
      data.set("status", button.value);
      var buttons = form.querySelectorAll('button[name="status"]');
      buttons.forEach(function (b) { b.disabled = true; });
      fetch(form.action, {
        method: "POST",
        body: new URLSearchParams(data),
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        credentials: "same-origin",
      })
        .then(function (response) {
          if (!response.ok) throw new Error("not saved: " + response.status);
          buttons.forEach(function (b) {
            var pressed = b === button;
            b.setAttribute("aria-pressed", pressed ? "true" : "false");
            b.classList.toggle("button--marked", pressed);
          });
          var learner = form.closest(".register__learner");
          var mark = learner && learner.querySelector("[data-mark]");
          if (mark) mark.textContent = button.textContent.trim();
          if (status) status.textContent = "Saved: " + button.getAttribute("aria-label") + ".";
        })
        .catch(function () {
          // Fall back to the ordinary post, which shows any problem on the page.
          form.dataset.plain = "true";
          form.requestSubmit(button);
        })
        .finally(function () {
          buttons.forEach(function (b) { b.disabled = false; });
        });
    });
  });
})();
