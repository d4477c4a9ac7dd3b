/* Message page: a suggested reply fills the reply box; "复制" copies it for pasting on the
   platform. No inline scripts (CSP). */
(function () {
  "use strict";
  document.querySelectorAll("[data-link-form]").forEach(function (form) {
    var select = form.querySelector("[data-link-select]");
    form.action = select.value;
    select.addEventListener("change", function () { form.action = select.value; });
  });
  var text = document.getElementById("md-reply-text");
  var replyId = document.getElementById("md-reply-id");
  if (!text) { return; }
  document.querySelectorAll(".md-use-reply").forEach(function (button) {
    button.addEventListener("click", function () {
      text.value = button.getAttribute("data-text");
      replyId.value = button.getAttribute("data-reply");
      text.focus();
    });
  });
  text.addEventListener("input", function () { replyId.value = ""; });
  var copy = document.getElementById("md-copy-reply");
  if (copy) {
    copy.addEventListener("click", function () {
      text.select();
      if (navigator.clipboard) { navigator.clipboard.writeText(text.value).catch(function () {}); }
      else { document.execCommand("copy"); }
    });
  }
})();
