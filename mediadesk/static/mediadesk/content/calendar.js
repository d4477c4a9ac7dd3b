// The content calendar: FullCalendar fed by /content/calendar/feed/, filters above it,
// drag to reschedule (POST, reverted with the server's message when refused), best-time
// highlight for the chosen platform in the week view. Times are Asia/Shanghai wall times.
(() => {
  "use strict";
  const el = document.getElementById("md-calendar");
  if (!el || !window.FullCalendar) return;
  const form = document.getElementById("md-cal-filters");
  const messageBox = document.getElementById("md-cal-message");
  const bestTimes = JSON.parse(document.getElementById("md-cal-best-times").textContent);
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const phone = window.matchMedia("(max-width: 575.98px)").matches;
  const WEEKDAYS = [1, 2, 3, 4, 5, 6, 0];
  const WEEKEND = [0, 6];

  function show(text, kind) {
    const div = document.createElement("div");
    div.className = `alert alert-${kind} alert-dismissible fade show py-2 mb-2`;
    div.setAttribute("role", kind === "danger" ? "alert" : "status");
    div.textContent = text;
    const close = document.createElement("button");
    close.type = "button";
    close.className = "btn-close";
    close.setAttribute("data-bs-dismiss", "alert");
    close.setAttribute("aria-label", gettext("关闭"));
    div.appendChild(close);
    messageBox.replaceChildren(div);
  }

  function filterParams() {
    const params = {};
    for (const [key, value] of new FormData(form)) if (value) params[key] = value;
    return params;
  }

  // A window whose end is before its start runs past midnight: split it in two.
  function businessHours(code) {
    const platform = bestTimes.find((p) => p.code === code);
    if (!platform) return false;
    const hours = [];
    for (const w of platform.windows) {
      const days = w.weekend ? WEEKEND : WEEKDAYS;
      if (!w.overnight) hours.push({ daysOfWeek: days, startTime: w.starts, endTime: w.ends });
      else {
        hours.push({ daysOfWeek: days, startTime: w.starts, endTime: "24:00" });
        hours.push({ daysOfWeek: days, startTime: "00:00", endTime: w.ends });
      }
    }
    return hours;
  }

  function markBestTimes(view) {
    const code = form.elements.platform.value;
    const timed = view.type.startsWith("timeGrid");
    view.calendar.setOption("businessHours", timed && code ? businessHours(code) : false);
    document.querySelectorAll(".md-cal-best").forEach((node) => {
      node.classList.toggle("md-cal-best-active", node.dataset.platform === code);
    });
  }

  function eventContent(arg) {
    const props = arg.event.extendedProps;
    if (props.kind === "more") {
      const link = document.createElement("span");
      link.className = "md-cal-more-link";
      link.textContent = arg.event.title;
      return { domNodes: [link] };
    }
    if (props.kind !== "variant") return true;
    const wrap = document.createElement("div");
    wrap.className = "md-cal-ev";
    const badge = document.createElement("span");
    badge.className = `md-cal-badge md-cal-badge-${props.status}`;
    badge.textContent = props.statusLabel;
    const time = document.createElement("span");
    time.className = "md-cal-time";
    time.textContent = arg.timeText;
    const title = document.createElement("span");
    title.className = "md-cal-title";
    title.textContent = arg.event.title;
    wrap.append(badge, time, title);
    return { domNodes: [wrap] };
  }

  function eventDidMount(info) {
    const p = info.event.extendedProps;
    if (p.kind === "variant") info.el.title = `${info.event.title}\n${p.account} · ${p.platform} · ${p.statusLabel}`;
    if (p.kind === "more") info.el.title = gettext("查看当天全部");
  }

  async function reschedule(info) {
    const url = el.dataset.rescheduleUrl.replace(el.dataset.idPlaceholder, info.event.id);
    let response;
    let payload = {};
    try {
      response = await fetch(url, {
        method: "POST",
        headers: { "X-CSRFToken": csrf, "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ planned_at: info.event.startStr }),
        credentials: "same-origin",
      });
      payload = await response.json();
    } catch (error) {
      payload = { detail: gettext("网络异常或登录已过期，排期未修改") };
    }
    if (!response || !response.ok) {
      info.revert();
      show(payload.detail || interpolate(gettext("排期未修改（%(reason)s）"), { reason: response ? response.status : gettext("网络错误") }, true), "danger");
      return;
    }
    show(payload.message, "success");
    calendar.refetchEvents();
  }

  function eventClick(info) {
    const props = info.event.extendedProps;
    if (props.kind === "more") {
      info.jsEvent.preventDefault();
      if (calendar.view.type !== "listDay") calendar.changeView("listDay", props.date);
    }
  }

  const initialView = el.dataset.initialView || (phone ? "listWeek" : "dayGridMonth");
  const calendar = new FullCalendar.Calendar(el, {
    locale: document.documentElement.lang.toLowerCase().startsWith("zh") ? "zh-cn" : "en",
    timeZone: "Asia/Shanghai",
    initialView,
    initialDate: el.dataset.initialDate || undefined,
    headerToolbar: phone
      ? { left: "prev,next", center: "title", right: "today" }
      : { left: "prev,next today", center: "title", right: "dayGridMonth,timeGridWeek,listWeek" },
    footerToolbar: phone ? { center: "dayGridMonth,timeGridWeek,listWeek,listDay" } : false,
    buttonText: { listWeek: gettext("列表"), listDay: gettext("当天") },
    height: "auto",
    nowIndicator: true,
    scrollTime: "07:00:00",
    eventOrder: "rank,start",
    dayMaxEvents: false,
    eventDisplay: "block",
    displayEventEnd: false,
    eventTimeFormat: { hour: "2-digit", minute: "2-digit", hour12: false },
    slotLabelFormat: { hour: "2-digit", minute: "2-digit", hour12: false },
    defaultTimedEventDuration: "00:30",
    editable: el.dataset.canEdit === "1",
    // The per-day cap depends on the range: refetch on every view or date change.
    lazyFetching: false,
    eventDurationEditable: false,
    // A post needs a time: no drops on the time grid's all-day row (a month-grid day cell is
    // "all-day" too, but there the event keeps its time).
    eventAllow: (dropInfo) => !(dropInfo.allDay && calendar.view.type.startsWith("timeGrid")),
    events: {
      url: el.dataset.feedUrl,
      extraParams: filterParams,
      failure: () => show(gettext("日历数据加载失败，请检查筛选条件或刷新页面"), "danger"),
    },
    eventContent,
    eventDidMount,
    eventClick,
    eventDrop: reschedule,
    datesSet: (arg) => markBestTimes(arg.view),
  });
  calendar.render();
  // The long list of windows is opened on wide screens only.
  const hints = document.getElementById("md-cal-best-times-list");
  if (hints && !phone) hints.open = true;

  form.addEventListener("change", () => {
    const query = new URLSearchParams(filterParams());
    window.history.replaceState(null, "", query.toString() ? `?${query}` : window.location.pathname);
    markBestTimes(calendar.view);
    calendar.refetchEvents();
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    calendar.refetchEvents();
  });
})();
