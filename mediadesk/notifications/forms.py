"""The robot form: shape of the input only; the rules live in `notifications.services`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mediadesk.notifications import services
from mediadesk.notifications.models import Robot


class RobotForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=60)
    kind = forms.ChoiceField(label=_("类型"), choices=Robot.Kind.choices)
    webhook = forms.CharField(
        label=_("Webhook 地址"),
        max_length=500,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    secret = forms.CharField(
        label=_("加签密钥"),
        max_length=200,
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("钉钉“加签”或飞书“签名校验”的密钥；企业微信留空。"),
    )
    clear_secret = forms.BooleanField(label=_("清除已保存的加签密钥"), required=False)
    keyword = forms.CharField(
        label=_("自定义关键词"),
        max_length=40,
        required=False,
        help_text=_("机器人安全设置里的关键词；消息不含它时会自动加在标题前。"),
    )
    fmt = forms.ChoiceField(
        label=_("消息格式"), choices=Robot.Format.choices, initial=Robot.Format.TEXT
    )
    event_kinds = forms.MultipleChoiceField(
        label=_("订阅的消息类型"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不勾选表示转发全部类型。"),
    )
    enabled = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def __init__(self, *args: Any, robot: Robot | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kinds = self.fields["event_kinds"]
        assert isinstance(kinds, forms.MultipleChoiceField)
        kinds.choices = sorted(services.KINDS.items())
        if robot is None:
            self.fields["webhook"].required = True
            del self.fields["clear_secret"]
        else:
            self.fields["webhook"].help_text = _("当前：%(webhook_masked)s。留空则不修改。") % {
                "webhook_masked": robot.webhook_masked
            }
            self.fields["secret"].help_text = (
                _("已设置，留空则不修改。") if robot.has_secret else self.fields["secret"].help_text
            )
            if not robot.has_secret:
                del self.fields["clear_secret"]


def robot_initial(robot: Robot) -> dict[str, Any]:
    """Form values of an existing robot (never the webhook or the secret)."""
    return {
        "name": robot.name,
        "kind": robot.kind,
        "keyword": robot.keyword,
        "fmt": robot.fmt,
        "event_kinds": robot.event_kinds,
        "enabled": robot.enabled,
    }
