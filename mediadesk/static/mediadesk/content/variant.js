// Variant form: when the target account changes, show that platform's best posting times
// next to the planned-time field and re-check the text against the new platform's rules.
(() => {
  "use strict";

  function readJson(id) {
    const node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : {};
  }

  function init() {
    const form = document.getElementById("variant-form");
    if (!form) return;
    const hints = readJson("best-time-hints");
    const platformOf = readJson("account-platforms");
    const account = form.querySelector("select[name=account]");
    const hint = document.querySelector("#best-time-hint span");
    if (!account || !hint) return;

    function update(recheck) {
      const code = platformOf[account.value] || "";
      hint.textContent = code
        ? (hints[code] ? interpolate(gettext("推荐时段：%(hours)s"), { hours: hints[code] }, true) : gettext("该平台暂无推荐时段"))
        : gettext("选择账号后显示该平台的推荐发布时段");
      form.querySelectorAll("[data-compliance-check]").forEach((field) => {
        const changed = field.dataset.platform !== code;
        field.dataset.platform = code;
        if (recheck && changed && field.value) field.dispatchEvent(new Event("input", { bubbles: true }));
      });
    }

    account.addEventListener("change", () => update(true));
    update(false);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
