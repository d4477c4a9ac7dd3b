"""Manual metrics (满意度, 品牌搜索量, …): entered with a date and evidence, audited."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from mediadesk.planning.metrics import Metric, register

SOURCE = _("手工录入(附日期与证明)")

register(
    Metric("manual", _("手工指标"), SOURCE, "", kind="level", manual=True, scopes=()),
    Metric("satisfaction", _("满意度"), SOURCE, "%", kind="level", manual=True, scopes=()),
    Metric("brand_search", _("品牌搜索量"), SOURCE, _("次"), kind="level", manual=True, scopes=()),
)
