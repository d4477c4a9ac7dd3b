"""Every write of the live app: sessions and plans, status changes, the checklist, figures,
话术, console captures and reviews. Each write checks scope and records an audit entry."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from mediadesk.core import audit
from mediadesk.notifications import services as _notifications

_notifications.register_kinds({"live.checklist": gettext_lazy("直播准备项逾期")})
audit.register_actions(
    {
        "live_session.create": gettext_lazy("创建直播场次"),
        "live_session.update": gettext_lazy("修改直播场次"),
        "live_session.status": gettext_lazy("直播场次状态变更"),
        "live_session.checklist": gettext_lazy("确认开播前准备项"),
        "live_session.figures": gettext_lazy("录入直播数据"),
        "live_session.capture": gettext_lazy("直播控制台留资"),
        "live_session.review": gettext_lazy("直播复盘"),
        "live_session.offer": gettext_lazy("添加特价房源"),
        "live_script.save": gettext_lazy("保存话术"),
        "live_script.use": gettext_lazy("使用话术"),
        "live_session.campaign": gettext_lazy("创建直播留资活动"),
        "live_session.leads_import": gettext_lazy("导入直播线索列表"),
        "live_slot.create": gettext_lazy("设置直播固定时段"),
        "live_slot.update": gettext_lazy("修改直播固定时段"),
    }
)

from mediadesk.live.services.checklist import (  # noqa: E402
    OFFER_FIELDS,
    add_offer,
    auto_results,
    compliance_text,
    confirm_item,
    override_compliance,
    readiness,
    refresh_checklist,
)
from mediadesk.live.services.console import (  # noqa: E402
    capture_lead,
    models_F,
    save_review,
    save_script,
    session_campaign,
    update_stages,
    use_script,
)
from mediadesk.live.services.figures import (  # noqa: E402
    COMMISSION_NOTE,
    clean_figures,
    save_figures,
    save_figures_bulk,
    sync_commission_figures,
)
from mediadesk.live.services.sessions import (  # noqa: E402
    SESSION_FIELDS,
    change_status,
    create_session,
    generate_plan,
    set_cover,
    update_session,
)

__all__ = [
    "COMMISSION_NOTE",
    "OFFER_FIELDS",
    "SESSION_FIELDS",
    "add_offer",
    "auto_results",
    "capture_lead",
    "change_status",
    "clean_figures",
    "compliance_text",
    "confirm_item",
    "create_session",
    "generate_plan",
    "models_F",
    "override_compliance",
    "readiness",
    "refresh_checklist",
    "save_figures",
    "save_figures_bulk",
    "save_review",
    "save_script",
    "session_campaign",
    "set_cover",
    "sync_commission_figures",
    "update_session",
    "update_stages",
    "use_script",
]
