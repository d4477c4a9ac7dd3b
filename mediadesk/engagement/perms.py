"""Permission codes of the engagement app (granted through the registry in apps.py)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

VIEW = "engagement.view"  # the inbox of accounts in scope
HANDLE = "engagement.handle"  # reply, notes, tags, status, take a message
ASSIGN = "engagement.assign"  # assign to others, bulk actions, rules, seats, SLAs
INGEST = "engagement.ingest"  # API ingestion, imports, paste box
REPLIES = "engagement.replies"  # the standard-reply library
APPROVE = "engagement.approve"  # approve replies held by an approval rule
LEXICON = "engagement.lexicon"  # the domain sentiment lexicon
OPINION_VIEW = "opinion.view"  # watch lists, mentions, signals, incidents
OPINION_MANAGE = "opinion.manage"  # watch terms, grades, incidents, mention imports

LABELS = {
    VIEW: _("查看互动消息"),
    HANDLE: _("处理与回复互动消息"),
    ASSIGN: _("分配互动消息、SLA 与分配规则"),
    INGEST: _("导入与接入互动消息"),
    REPLIES: _("管理标准化话术库"),
    APPROVE: _("审批回复"),
    LEXICON: _("管理情感领域词典"),
    OPINION_VIEW: _("查看舆情"),
    OPINION_MANAGE: _("管理舆情监测与事件"),
}

ALL = tuple(LABELS)
