"""Input forms of the compliance pages; the writes themselves happen in services.py."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mediadesk.compliance.models import PatternRule, Term, WhitelistEntry
from mediadesk.compliance.rules import Category, Industry, Severity
from mediadesk.compliance.schemas import MAX_TEXT
from mediadesk.matrix.forms import StyledForm


def _platform_choices() -> list[tuple[str, Any]]:
    from mediadesk.matrix.models import Platform

    return [("", _("（不指定）"))] + [
        (p.code, p.name) for p in Platform.objects.filter(is_active=True)
    ]


class TermForm(StyledForm):
    term = forms.CharField(label=_("词语"), max_length=60)
    category = forms.ChoiceField(label=_("类别"), choices=Category.choices)
    severity = forms.ChoiceField(
        label=_("级别"),
        choices=Severity.choices,
        help_text=_("禁止：审核须说明理由才能通过；提示/参考：仅提醒"),
    )
    suggestion = forms.CharField(label=_("建议替换"), max_length=200, required=False)
    basis = forms.CharField(label=_("法律依据"), max_length=300, required=False)
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def __init__(self, *args: Any, term: Term | None = None, **kwargs: Any) -> None:
        if term is not None:
            kwargs.setdefault("initial", {n: getattr(term, n) for n in self.base_fields})
        super().__init__(*args, **kwargs)
        self.style()


class WhitelistForm(StyledForm):
    phrase = forms.CharField(
        label=_("白名单词"),
        max_length=60,
        help_text=_("包含在这个词里的敏感词不再提示，如 首付、第一次"),
    )
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(self, *args: Any, entry: WhitelistEntry | None = None, **kwargs: Any) -> None:
        if entry is not None:
            kwargs.setdefault("initial", {"phrase": entry.phrase, "note": entry.note})
        super().__init__(*args, **kwargs)
        self.style()


class PatternForm(StyledForm):
    code = forms.CharField(
        label=_("规则代码"), max_length=40, help_text=_("小写字母、数字、连字符，如 travel-time")
    )
    message = forms.CharField(label=_("提示信息"), max_length=200)
    regex = forms.CharField(
        label=_("正则表达式"),
        max_length=500,
        help_text=_(
            "在规范化后的文本上匹配：全角已转半角、英文已转小写、空格与标点已去除（㎡ 写作 m2）"
        ),
        widget=forms.TextInput(
            attrs={"spellcheck": "false", "class": "form-control font-monospace"}
        ),
    )
    absent = forms.CharField(
        label=_("缺失条件"), max_length=300, required=False,
        help_text=_("选填：仅当全文不含此表达式时提示（如预售广告未写许可证号）"),
        widget=forms.TextInput(attrs={"spellcheck": "false", "class": "form-control font-monospace"}),
    )  # fmt: skip
    anchors = forms.CharField(
        label=_("必含词"), max_length=300, required=False,
        help_text=_("选填：每个匹配都包含的词，用 | 分隔（如 分钟|小时）；长文只在这些词附近运行规则"),
    )  # fmt: skip
    category = forms.ChoiceField(label=_("类别"), choices=Category.choices)
    severity = forms.ChoiceField(label=_("级别"), choices=Severity.choices)
    suggestion = forms.CharField(label=_("建议"), max_length=200, required=False)
    basis = forms.CharField(label=_("法律依据"), max_length=300, required=False)
    platform = forms.ChoiceField(
        label=_("限定平台"), required=False, help_text=_("只在检查该平台的稿件时运行")
    )
    industry = forms.ChoiceField(
        label=_("限定行业"), required=False, choices=[("", _("（不限）")), *Industry.choices],
        help_text=_("指定其他行业时跳过；不指定行业时运行"),
    )  # fmt: skip
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def __init__(self, *args: Any, rule: PatternRule | None = None, **kwargs: Any) -> None:
        if rule is not None:
            kwargs.setdefault("initial", {n: getattr(rule, n) for n in self.base_fields})
        super().__init__(*args, **kwargs)
        self.fields["platform"].choices = _platform_choices()  # type: ignore[attr-defined]
        self.style()


class TryForm(StyledForm):
    text = forms.CharField(
        label=_("文案"), max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 8, "data-compliance-check": "", "data-compliance-target": "#md-live"}),
    )  # fmt: skip
    platform = forms.ChoiceField(
        label=_("平台"), required=False, help_text=_("指定后检查标题（第一行）长度")
    )
    industry = forms.ChoiceField(
        label=_("行业"), required=False, choices=[("", _("房地产（默认）")), *Industry.choices]
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["platform"].choices = _platform_choices()  # type: ignore[attr-defined]
        self.style()


class ImportForm(StyledForm):
    file = forms.FileField(label=_("文件（.xlsx 或 .csv）"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style()
