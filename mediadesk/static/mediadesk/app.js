// Small shared behaviour: confirm dialogs on [data-confirm] and htmx error toasts.
document.addEventListener("click", (event) => {
  const el = event.target.closest("[data-confirm]");
  if (el && !window.confirm(el.dataset.confirm)) { event.preventDefault(); event.stopPropagation(); }
}, true);
document.addEventListener("htmx:responseError", (event) => {
  const status = event.detail.xhr.status;
  window.alert(status === 403 ? gettext("没有权限执行此操作") : interpolate(gettext("操作失败（%(status)s），请稍后重试"), { status: status }, true));
});
