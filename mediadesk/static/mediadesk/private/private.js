// 私域 pages: the stage funnel (ECharts) and the audited reveal of a member's full number.
(function () {
  const data = document.getElementById("funnel-data");
  const box = document.getElementById("funnel");
  if (data && box && window.echarts) {
    window.echarts.init(box).setOption({
      tooltip: {},
      series: [{ type: "funnel", data: JSON.parse(data.textContent) }],
    });
  }
  function csrfToken() {
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) return decodeURIComponent(match[1]);
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }
  document.querySelectorAll("[data-reveal]").forEach(function (button) {
    button.addEventListener("click", function () {
      fetch(button.dataset.reveal, { method: "POST", headers: { "X-CSRFToken": csrfToken() } })
        .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
        .then(function (phone) {
          document.querySelector("[data-testid=phone]").textContent = phone;
          button.remove();
        });
    });
  });
})();
