// The lookup page's captcha: "换一题" fetches a new challenge from the public API in place.
// Without script the page still works: every answer shown comes with its own challenge.
(function () {
  "use strict";
  document.querySelectorAll("[data-captcha-url]").forEach(function (box) {
    var button = box.querySelector(".captcha-refresh");
    var image = box.querySelector(".captcha-image");
    var token = box.querySelector('input[name="captcha_token"]');
    var answer = box.querySelector('input[name="captcha_answer"]');
    if (!button || !image || !token) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      button.disabled = true;
      fetch(box.dataset.captchaUrl, { headers: { Accept: "application/json" }, credentials: "omit" })
        .then(function (response) { return response.ok ? response.json() : Promise.reject(response); })
        .then(function (challenge) {
          // The SVG is drawn by the server from digits and operators only.
          image.innerHTML = challenge.svg;
          token.value = challenge.token;
          if (answer) { answer.value = ""; answer.focus(); }
        })
        .catch(function () {})
        .finally(function () { button.disabled = false; });
    });
  });
})();
