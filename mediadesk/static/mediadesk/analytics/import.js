// Metric import pages: narrow the account list to the chosen platform, apply a preset on
// change, toggle all fuzzy-match checkboxes.
(function () {
  "use strict";

  function narrowAccounts() {
    var data = document.getElementById("account-platforms");
    var platform = document.getElementById("id_platform");
    var account = document.querySelector("[data-account-select]");
    if (!data || !platform || !account) return;
    var platforms = JSON.parse(data.textContent);
    function apply() {
      Array.prototype.forEach.call(account.options, function (option) {
        if (!option.value) return;
        var match = !platform.value || String(platforms[option.value]) === platform.value;
        option.hidden = !match;
        if (!match && option.selected) account.value = "";
      });
    }
    platform.addEventListener("change", apply);
    apply();
  }

  function autosubmit() {
    document.querySelectorAll("form[data-autosubmit] select").forEach(function (select) {
      select.addEventListener("change", function () { if (select.value) select.form.submit(); });
    });
  }

  function toggleAll() {
    document.querySelectorAll("[data-toggle-all]").forEach(function (button) {
      button.addEventListener("click", function () {
        var boxes = document.querySelectorAll('input[name="' + button.dataset.toggleAll + '"]');
        var anyOff = Array.prototype.some.call(boxes, function (b) { return !b.checked; });
        boxes.forEach(function (b) { b.checked = anyOff; });
      });
    });
  }

  narrowAccounts();
  autosubmit();
  toggleAll();
})();
