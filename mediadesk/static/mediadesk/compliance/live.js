// Live Advertising-Law check for every field marked data-compliance-check.
// Optional data-platform / data-industry on the field; optional data-compliance-target="#id"
// names the element the findings render into (default: a box right after the field).
// After each check the field receives a "compliance:checked" event whose detail is the
// API answer ({passed, findings}), so editors can react (e.g. disable a submit button).
(() => {
  "use strict";

  const ENDPOINT = "/api/v1/compliance/check";
  const DELAY_MS = 400;
  const CONTEXT = 12; // characters shown either side of a hit
  const SEVERITY = {
    block: { label: gettext("禁止"), badge: "text-bg-danger", mark: "bg-danger-subtle" },
    warn: { label: gettext("提示"), badge: "text-bg-warning", mark: "bg-warning-subtle" },
    info: { label: gettext("参考"), badge: "text-bg-secondary", mark: "bg-secondary-subtle" },
  };

  function csrfToken() {
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) return decodeURIComponent(match[1]);
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function resultBox(field) {
    const target = field.dataset.complianceTarget && document.querySelector(field.dataset.complianceTarget);
    if (target) return target;
    const box = el("div", "md-compliance small mt-1");
    box.setAttribute("aria-live", "polite");
    field.insertAdjacentElement("afterend", box);
    return box;
  }

  function snippet(text, finding) {
    const sev = SEVERITY[finding.severity] || SEVERITY.info;
    const from = Math.max(0, finding.start - CONTEXT);
    const to = Math.min(text.length, finding.end + CONTEXT);
    const line = el("span", "text-body-secondary");
    line.append((from > 0 ? "…" : "") + text.slice(from, finding.start));
    line.append(el("mark", `${sev.mark} text-body fw-semibold px-0`, text.slice(finding.start, finding.end)));
    line.append(text.slice(finding.end, to) + (to < text.length ? "…" : ""));
    return line;
  }

  function findingItem(field, text, finding) {
    const sev = SEVERITY[finding.severity] || SEVERITY.info;
    const item = el("li", "list-group-item px-2 py-1");
    const head = el("div", "d-flex flex-wrap align-items-baseline gap-2");
    head.append(el("span", `badge ${sev.badge}`, sev.label));
    const jump = el("button", "btn btn-link btn-sm p-0 text-start text-decoration-none");
    jump.type = "button";
    jump.title = gettext("在输入框中选中");
    jump.append(snippet(text, finding));
    jump.addEventListener("click", () => {
      field.focus();
      field.setSelectionRange(finding.start, finding.end);
    });
    head.append(jump);
    item.append(head);
    if (finding.message) item.append(el("div", "", finding.message));
    if (finding.suggestion) item.append(el("div", "text-success", interpolate(gettext("建议：%(s)s"), { s: finding.suggestion }, true)));
    if (finding.basis) item.append(el("div", "text-body-secondary", interpolate(gettext("依据：%(s)s"), { s: finding.basis }, true)));
    return item;
  }

  function render(field, box, text, answer) {
    box.replaceChildren();
    const findings = answer.findings || [];
    if (!findings.length) {
      if (text.trim()) box.append(el("div", "text-success", "✓ " + gettext("未发现广告法风险用语")));
      return;
    }
    const blocks = findings.filter((f) => f.severity === "block").length;
    const summary = blocks
      ? interpolate(gettext("发现 %(n)s 处问题，其中 %(blocks)s 处禁止使用"), { n: findings.length, blocks: blocks }, true)
      : interpolate(gettext("发现 %(n)s 处需注意的用语"), { n: findings.length }, true);
    box.append(el("div", blocks ? "text-danger fw-semibold" : "text-warning-emphasis", summary));
    const list = el("ul", "list-group list-group-flush border rounded mt-1");
    findings.forEach((f) => list.append(findingItem(field, text, f)));
    box.append(list);
  }

  function showError(box, message) {
    box.replaceChildren(el("div", "text-body-secondary", message));
  }

  async function errorMessage(response) {
    if (response.status === 401) return gettext("登录已过期，请重新登录后再检查");
    if (response.status === 403) return gettext("没有使用合规检查的权限");
    try {
      const body = await response.json();
      const first = (body.errors || [])[0];
      return first ? `${body.detail}：${first.message}` : body.detail || gettext("合规检查失败");
    } catch (_) {
      return interpolate(gettext("合规检查失败（%(status)s）"), { status: response.status }, true);
    }
  }

  function attach(field) {
    if (field.dataset.complianceBound) return;
    field.dataset.complianceBound = "1";
    const box = resultBox(field);
    let timer = null;
    let inflight = null;

    async function check() {
      const text = field.value;
      if (inflight) inflight.abort();
      if (!text.trim()) { box.replaceChildren(); return; }
      inflight = new AbortController();
      const body = { text };
      if (field.dataset.platform) body.platform = field.dataset.platform;
      if (field.dataset.industry) body.industry = field.dataset.industry;
      try {
        const response = await fetch(ENDPOINT, {
          method: "POST",
          credentials: "same-origin",
          signal: inflight.signal,
          headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
          body: JSON.stringify(body),
        });
        if (!response.ok) { showError(box, await errorMessage(response)); return; }
        const answer = await response.json();
        if (field.value !== text) return; // typed on meanwhile; the next check renders
        render(field, box, text, answer);
        field.dispatchEvent(new CustomEvent("compliance:checked", { detail: answer, bubbles: true }));
      } catch (error) {
        if (error.name !== "AbortError") showError(box, gettext("合规检查暂不可用，请稍后重试"));
      }
    }

    field.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(check, DELAY_MS);
    });
    field.addEventListener("compliance:recheck", check);
    if (field.value.trim()) check();
  }

  function scan(root) {
    root.querySelectorAll("textarea[data-compliance-check], input[data-compliance-check]").forEach(attach);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", () => scan(document));
  } else {
    scan(document);
  }
  // Fields that arrive later through htmx swaps are bound too.
  document.addEventListener("htmx:load", (event) => scan(event.target));
})();
