// Copy buttons of the publish package: <button data-copy="field-id" data-done="已复制">.
document.querySelectorAll("[data-copy]").forEach(function (button) {
  button.addEventListener("click", function () {
    var field = document.getElementById(button.dataset.copy);
    var done = function () { button.textContent = button.dataset.done; };
    var fallback = function () { field.select(); document.execCommand("copy"); done(); };
    if (navigator.clipboard) {
      navigator.clipboard.writeText(field.value).then(done, fallback);
    } else {
      fallback();
    }
  });
});
