"""Private-domain records: members and their identities, events, stages, segments, wake-up."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from mediadesk.orgs.models import Organisation, Project


class Stage(models.TextChoices):
    AWARE = "aware", _("认知")
    INTEREST = "interest", _("兴趣")
    PURCHASE = "purchase", _("购买")
    LOYAL = "loyal", _("忠诚")


STAGE_ORDER = [Stage.AWARE, Stage.INTEREST, Stage.PURCHASE, Stage.LOYAL]
SOURCE_LABELS = {
    "leads": _("客资"),
    "wecom": _("企业微信"),
    "import": _("导入"),
    "miniprogram": _("小程序"),
}


class Member(models.Model):
    """One person across every touchpoint (lead customer, WeCom, 公众号, mini-program)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("姓名"), max_length=40, blank=True)
    phone = models.CharField(_("手机号"), max_length=11, blank=True)
    unionid = models.CharField("unionid", max_length=64, blank=True)
    customer = models.ForeignKey(
        "leads.Customer", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    project = models.ForeignKey(Project, on_delete=models.SET_NULL, null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sources = models.JSONField(_("来源"), default=list)
    tags = models.JSONField(_("标签"), default=list)
    stage = models.CharField(_("阶段"), max_length=10, choices=Stage.choices, default=Stage.AWARE)
    stage_since = models.DateTimeField(_("进入阶段时间"), null=True, blank=True)
    purchases = models.PositiveIntegerField(_("购买次数"), default=0)
    monetary_fen = models.PositiveBigIntegerField(_("购买金额(分)"), default=0)
    last_active_at = models.DateTimeField(_("最近活跃"), null=True, blank=True)
    anonymous = models.BooleanField(_("匿名"), default=False)
    erased_at = models.DateTimeField(_("已删除个人信息"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="merged"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    audit_type = "private_member"

    class Meta:
        verbose_name = _("私域用户")
        indexes = [
            models.Index(fields=["organisation", "stage"]),
            models.Index(fields=["organisation", "phone"]),
            models.Index(fields=["organisation", "unionid"]),
            models.Index(fields=["organisation", "last_active_at"]),
        ]

    def __str__(self) -> str:
        return self.name or str(_("用户 #%(id)s") % {"id": self.pk})

    @property
    def source_labels(self) -> list[str]:
        """The sources for display (known codes translated, imported names as they are)."""
        return [str(SOURCE_LABELS.get(s, s)) for s in self.sources]


class Identity(models.Model):
    """An id the member is known by on one touchpoint (openid, external_userid, …)."""

    class Kind(models.TextChoices):
        OPENID = "openid", _("公众号/小程序 openid")
        WECOM = "wecom", _("企业微信 external_userid")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="identities")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    value = models.CharField(max_length=80)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "kind", "value"], name="private_identity_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{type(self).__name__} #{self.pk}"


class Event(models.Model):
    """A touchpoint event (API-ingested or recorded by MediaDesk), idempotent on event_id."""

    class Kind(models.TextChoices):
        PAGE_VIEW = "page_view", _("浏览")
        COURSE_VIEW = "course_view", _("课程观看")
        PURCHASE = "purchase", _("购买")
        GROUP_JOIN = "group_join", _("入群")
        GROUP_LEAVE = "group_leave", _("退群")
        LIVE_ATTEND = "live_attend", _("观看直播")
        MESSAGE = "message", _("消息")
        REFERRAL = "referral", _("老带新")
        FOLLOW = "follow", _("关注")
        ACTIVITY = "activity", _("参加社群活动")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="events")
    event_id = models.CharField(max_length=80)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    at = models.DateTimeField()
    amount_fen = models.PositiveBigIntegerField(null=True, blank=True)
    meta = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "event_id"], name="private_event_once")
        ]
        indexes = [models.Index(fields=["member", "at"])]

    def __str__(self) -> str:
        return f"{type(self).__name__} #{self.pk}"


class StageChange(models.Model):
    """One move of a member between lifecycle stages, with the reason."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="stage_history")
    from_stage = models.CharField(max_length=10, blank=True)
    to_stage = models.CharField(max_length=10, choices=Stage.choices)
    at = models.DateTimeField()
    reason = models.CharField(max_length=200)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{type(self).__name__} #{self.pk}"


class Consent(models.Model):
    """A member's consent: where, when and for what."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="consents")
    source = models.CharField(_("来源"), max_length=40)
    scope = models.CharField(_("范围"), max_length=80)
    at = models.DateTimeField(_("时间"))

    def __str__(self) -> str:
        return f"{type(self).__name__} #{self.pk}"


class MergeProposal(models.Model):
    """A possible match (e.g. same name and phone tail) waiting for a person; reversible."""

    class Status(models.TextChoices):
        OPEN = "open", _("待处理")
        MERGED = "merged", _("已合并")
        REFUSED = "refused", _("已拒绝")
        UNDONE = "undone", _("已撤销")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    keep = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    other = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=200)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    moved = models.JSONField(default=dict, blank=True)  # what a merge moved, to undo it

    audit_type = "private_merge"

    def __str__(self) -> str:
        return f"{type(self).__name__} #{self.pk}"


class Segment(models.Model):
    """A saved set of rules over members (counted live)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("名称"), max_length=60)
    rules = models.JSONField(_("规则"), default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    audit_type = "private_segment"

    def __str__(self) -> str:
        return self.name


class LifecycleRules(models.Model):
    """An organisation's edits to the default lifecycle rules (rules.DEFAULT_RULES)."""

    organisation = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="+")
    loyal_purchases = models.PositiveSmallIntegerField(_("忠诚所需购买次数"), default=2)
    referral_is_loyal = models.BooleanField(_("老带新即为忠诚"), default=True)
    loyal_active_weeks = models.PositiveSmallIntegerField(_("连续社群活跃周数即为忠诚"), default=4)
    interest_kinds = models.JSONField(_("计为兴趣的互动"), default=list)
    restage_requested_at = models.DateTimeField(null=True, blank=True)  # nightly pass restages

    audit_type = "private_rules"

    def __str__(self) -> str:
        return f"{type(self).__name__} #{self.pk}"

    def as_rules(self) -> dict[str, object]:
        return {
            "loyal_purchases": self.loyal_purchases,
            "referral_is_loyal": self.referral_is_loyal,
            "loyal_active_weeks": self.loyal_active_weeks,
            "interest_kinds": list(self.interest_kinds),
        }


class WakeUpPlan(models.Model):
    """沉默用户唤醒计划: members silent for N days get content through a channel."""

    class Channel(models.TextChoices):
        TASK = "task", _("顾问一对一任务")
        MASS = "mass", _("群发")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("名称"), max_length=60)
    silent_days = models.PositiveIntegerField(_("沉默天数"), default=30)
    content = models.TextField(_("内容/权益"), blank=True)
    channel = models.CharField(_("渠道"), max_length=6, choices=Channel.choices)
    window_days = models.PositiveIntegerField(_("响应窗口(天)"), default=14)

    audit_type = "private_wakeup"

    def __str__(self) -> str:
        return self.name


class WakeUpTarget(models.Model):
    """One member in a wake-up plan: reached, responded, woken."""

    plan = models.ForeignKey(WakeUpPlan, on_delete=models.CASCADE, related_name="targets")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    entered_at = models.DateTimeField()
    reached_at = models.DateTimeField(null=True, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    woken = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["plan", "member"], name="private_wakeup_once")
        ]

    def __str__(self) -> str:
        return f"{type(self).__name__} #{self.pk}"


class Activity(models.Model):
    """社群活动: 直播答疑 (linked to a live session) or 线下见面会, with sign-ups and attendance."""

    class Kind(models.TextChoices):
        LIVE_QA = "live_qa", _("直播答疑")
        MEETUP = "meetup", _("线下见面会")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("类型"), max_length=8, choices=Kind.choices)
    title = models.CharField(_("名称"), max_length=80)
    starts_at = models.DateTimeField(_("开始时间"))
    live_session = models.ForeignKey(
        "live.Session", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    place = models.CharField(_("地点"), max_length=80, blank=True)

    audit_type = "private_activity"

    def __str__(self) -> str:
        return self.title


class ActivitySignup(models.Model):
    """A member's sign-up to an activity and whether they came."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="signups")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    signed_at = models.DateTimeField()
    attended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["activity", "member"], name="private_signup_once")
        ]

    def __str__(self) -> str:
        return f"{type(self).__name__} #{self.pk}"


class StageContent(models.Model):
    """A content item or standard reply tagged for a lifecycle stage (产品科普 for 认知/兴趣,
    专属权益 for 购买/忠诚); segments of that stage suggest it."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    stage = models.CharField(_("阶段"), max_length=10, choices=Stage.choices)
    content_item = models.ForeignKey(
        "content.ContentItem", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    standard_reply = models.ForeignKey(
        "engagement.StandardReply",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )

    audit_type = "private_stage_content"

    def __str__(self) -> str:
        return str(self.content_item or self.standard_reply or "")


class BenefitTier(models.Model):
    """活跃用户专属福利: members with at least `min_events` in 30 days earn the tier's benefit."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("名称"), max_length=40)
    min_events = models.PositiveIntegerField(_("30 天内互动次数 ≥"))
    benefit = models.CharField(_("福利"), max_length=120)

    audit_type = "private_benefit_tier"

    def __str__(self) -> str:
        return self.name


class BenefitGrant(models.Model):
    """A benefit given to a member (who, which tier, when, by whom)."""

    tier = models.ForeignKey(BenefitTier, on_delete=models.CASCADE, related_name="grants")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="benefits")
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"{type(self).__name__} #{self.pk}"


class WeComSettings(models.Model):
    """The WeCom app of an organisation; secrets sealed with core.crypto."""

    organisation = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="+")
    corp_id = models.CharField(max_length=40)
    secret_sealed = models.TextField()
    token_sealed = models.TextField()
    aes_key_sealed = models.TextField()
    access_token = models.TextField(blank=True)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    monthly_limit = models.PositiveIntegerField(_("每客户每月群发上限"), default=4)
    daily_limit = models.PositiveIntegerField(_("每客户每日群发上限（0 为不限）"), default=1)

    def __str__(self) -> str:
        return f"{type(self).__name__} #{self.pk}"


class CallbackEvent(models.Model):
    """A WeCom callback as received (decrypted), stored before it is processed."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    dedupe_key = models.CharField(max_length=200)
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "dedupe_key"], name="private_callback_once"
            )
        ]

    def __str__(self) -> str:
        return f"{type(self).__name__} #{self.pk}"


class WeComFollow(models.Model):
    """An employee (follow user) who added an external contact: remark, 活码 state, when."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="follows")
    external_userid = models.CharField(max_length=80)
    userid = models.CharField(_("员工账号"), max_length=64)
    remark = models.CharField(_("备注"), max_length=80, blank=True)
    state = models.CharField(_("渠道活码"), max_length=40, blank=True)
    added_at = models.DateTimeField(_("添加时间"), null=True, blank=True)
    removed_at = models.DateTimeField(_("客户删除员工"), null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "external_userid", "userid"], name="private_follow_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.userid} → {self.external_userid}"


class WeComTag(models.Model):
    """A WeCom corp tag (企业标签), synced both ways by name."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    tag_id = models.CharField(max_length=64)
    name = models.CharField(_("标签"), max_length=40)
    group_name = models.CharField(_("标签组"), max_length=40, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "tag_id"], name="private_tag_once")
        ]

    def __str__(self) -> str:
        return self.name


class Group(models.Model):
    """A WeCom customer group (客户群): owner and members with join times."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    chat_id = models.CharField(max_length=80)
    name = models.CharField(_("群名"), max_length=80, blank=True)
    owner_userid = models.CharField(_("群主"), max_length=64, blank=True)
    synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "chat_id"], name="private_group_once")
        ]

    def __str__(self) -> str:
        return self.name or self.chat_id


class GroupMembership(models.Model):
    """A member in a customer group (left_at set when they leave)."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="memberships")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="groups")
    joined_at = models.DateTimeField(null=True, blank=True)
    left_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["group", "member"], name="private_group_member_once")
        ]

    def __str__(self) -> str:
        return f"{type(self).__name__} #{self.pk}"


class WelcomeMessage(models.Model):
    """欢迎语 for contacts added through a 活码 (`state`; blank = the default), sent within
    WeCom's 20-second window after add_external_contact."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    state = models.CharField(_("渠道活码"), max_length=40, blank=True)
    text = models.TextField(_("欢迎语"))
    active = models.BooleanField(_("启用"), default=True)

    def __str__(self) -> str:
        return self.state or "default"


class MassSend(models.Model):
    """A 群发 to a segment: one WeCom message-template task; per-member sends recorded."""

    class Status(models.TextChoices):
        CREATED = "created", _("已创建，待员工确认")
        CONFIRMED = "confirmed", _("员工已确认发送")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    segment = models.ForeignKey(Segment, on_delete=models.PROTECT, null=True, blank=True)
    plan = models.ForeignKey(
        "WakeUpPlan", on_delete=models.PROTECT, null=True, blank=True, related_name="sends",
        verbose_name=_("唤醒计划"),
    )  # fmt: skip
    text = models.TextField(_("内容"))
    sender = models.CharField(_("发送员工"), max_length=64, blank=True)
    msgid = models.CharField(max_length=80, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.CREATED
    )
    reminders = models.JSONField(default=list, blank=True)  # times a reminder was sent
    pulled_at = models.DateTimeField(_("结果拉取时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    audit_type = "private_mass"

    def __str__(self) -> str:
        return self.text[:20]


class MassRecipient(models.Model):
    """One member of a 群发: created → delivered (or failed, with WeCom's reason)."""

    send = models.ForeignKey(MassSend, on_delete=models.CASCADE, related_name="recipients")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    external_userid = models.CharField(max_length=80, blank=True)
    at = models.DateTimeField()
    status = models.CharField(max_length=10, default="created")
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["member", "at"])]

    def __str__(self) -> str:
        return f"{type(self).__name__} #{self.pk}"
