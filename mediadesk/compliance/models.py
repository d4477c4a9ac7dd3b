"""Tables of the compliance app: each organisation's versioned lexicon."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from mediadesk.compliance.rules import Category, Severity
from mediadesk.core.models import TimeStampedModel
from mediadesk.orgs.models import Organisation


class Origin(models.TextChoices):
    DEFAULT = "default", _("默认词库")
    CUSTOM = "custom", _("自定义")


class Lexicon(models.Model):
    """An organisation's lexicon head: the version counter, bumped on every change;
    `defaults_revision` says which default rows it has received."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="lexicon", verbose_name=_("组织")
    )
    version = models.PositiveIntegerField(_("版本"), default=1)
    defaults_revision = models.PositiveIntegerField(_("默认词库修订"), default=0)
    # Renewed with every version: the checker cache key, safe even when a restored backup
    # or a rolled-back transaction brings an old version number back.
    stamp = models.UUIDField(default=uuid.uuid4, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    audit_type = "lexicon"

    class Meta:
        verbose_name = _("合规词库")

    def __str__(self) -> str:
        return f"{self.organisation} 词库 v{self.version}"


class Term(TimeStampedModel):
    """A word the checker flags, with its category, severity, replacement and legal basis."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="+", verbose_name=_("组织")
    )
    term = models.CharField(_("词语"), max_length=60)
    key = models.CharField(_("规范化形式"), max_length=120, editable=False)
    category = models.CharField(_("类别"), max_length=20, choices=Category.choices)
    severity = models.CharField(_("级别"), max_length=10, choices=Severity.choices)
    suggestion = models.CharField(_("建议替换"), max_length=200, blank=True)
    basis = models.CharField(_("法律依据"), max_length=300, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    origin = models.CharField(
        _("来源"), max_length=10, choices=Origin.choices, default=Origin.CUSTOM, editable=False
    )

    audit_type = "compliance_term"

    class Meta:
        verbose_name = _("敏感词")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "key"], name="compliance_term_unique_key"
            )
        ]
        indexes = [models.Index(fields=["organisation", "category", "severity"])]

    def __str__(self) -> str:
        return self.term


class WhitelistEntry(TimeStampedModel):
    """A compound that suppresses any term inside it (首付 contains no violation)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="+", verbose_name=_("组织")
    )
    phrase = models.CharField(_("白名单词"), max_length=60)
    key = models.CharField(_("规范化形式"), max_length=120, editable=False)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    origin = models.CharField(
        _("来源"), max_length=10, choices=Origin.choices, default=Origin.CUSTOM, editable=False
    )

    audit_type = "compliance_whitelist"

    class Meta:
        verbose_name = _("白名单词")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "key"], name="compliance_whitelist_unique_key"
            )
        ]

    def __str__(self) -> str:
        return self.phrase


class PatternRule(TimeStampedModel):
    """A regular-expression rule run on the normalised text, optionally limited to a
    platform or an industry; with `absent` it fires only when `absent` matches nowhere."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="+", verbose_name=_("组织")
    )
    code = models.SlugField(_("规则代码"), max_length=40)
    regex = models.CharField(_("正则表达式"), max_length=500)
    absent = models.CharField(
        _("缺失条件"), max_length=300, blank=True, help_text=_("填写后：仅当全文不含此表达式时提示")
    )
    anchors = models.CharField(
        _("必含词"),
        max_length=300,
        blank=True,
        help_text=_(
            "选填：每个匹配都包含的词，用 | 分隔（如 分钟|小时）；长文只在这些词附近运行规则"
        ),
    )
    message = models.CharField(_("提示信息"), max_length=200)
    category = models.CharField(_("类别"), max_length=20, choices=Category.choices)
    severity = models.CharField(_("级别"), max_length=10, choices=Severity.choices)
    suggestion = models.CharField(_("建议"), max_length=200, blank=True)
    basis = models.CharField(_("法律依据"), max_length=300, blank=True)
    platform = models.CharField(_("限定平台"), max_length=30, blank=True)
    industry = models.CharField(_("限定行业"), max_length=30, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    origin = models.CharField(
        _("来源"), max_length=10, choices=Origin.choices, default=Origin.CUSTOM, editable=False
    )

    audit_type = "compliance_pattern"

    class Meta:
        verbose_name = _("规则")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "code"], name="compliance_pattern_unique"
            )
        ]

    def __str__(self) -> str:
        return self.code
