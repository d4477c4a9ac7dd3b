"""Labels of the checklist codes (gettext)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

CHECK_LABELS = (
    ("title_length", _("直播标题不超过 10 个字")),
    ("cover_square", _("封面为方形图")),
    ("cover_quality", _("封面美观")),
    ("warmup_video", _("开播前 2 小时发布直播预告短视频")),
    ("script", _("主题已定、直播大纲已完成")),
    ("profile_slots", _("账号简介写明直播时间")),
    ("signature_notice", _("签名提前 2 天预告直播")),
    ("compliance", _("标题、脚本、话术通过广告法检查")),
    ("music_volume", _("背景音乐不盖过人声")),
    ("environment", _("环境与设备（稳固支架，不在电梯、地下室、车库）")),
)
