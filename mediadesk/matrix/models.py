"""The account matrix: platforms with their limits, accounts in three levels, credentials."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from mediadesk.core.models import TimeStampedModel
from mediadesk.orgs.models import Company, Organisation, Project


class Platform(models.Model):
    """A social platform as data, with the limits its profiles and posts must respect."""

    code = models.SlugField(_("代码"), max_length=30, unique=True)
    name = models.CharField(_("名称"), max_length=30)
    name_max_len = models.PositiveIntegerField(_("名称字数上限"), null=True, blank=True)
    bio_max_len = models.PositiveIntegerField(_("简介字数上限"), null=True, blank=True)
    title_max_len = models.PositiveIntegerField(_("标题字数上限"), null=True, blank=True)
    body_max_len = models.PositiveIntegerField(_("正文字数上限"), null=True, blank=True)
    daily_send_quota = models.PositiveIntegerField(_("每日群发/发布上限"), null=True, blank=True)
    monthly_send_quota = models.PositiveIntegerField(_("每月群发上限"), null=True, blank=True)
    supports_live = models.BooleanField(_("支持直播"), default=False)
    has_api = models.BooleanField(_("有公开发布接口"), default=False)
    notes = models.TextField(_("说明"), blank=True)
    sort = models.PositiveSmallIntegerField(_("排序"), default=100)
    is_active = models.BooleanField(_("启用"), default=True)

    audit_type = "platform"

    class Meta:
        verbose_name = _("平台")
        ordering = ["sort", "code"]

    def __str__(self) -> str:
        return self.name


class Level(models.IntegerChoices):
    BRAND = 1, _("一级账号（品牌）")
    PROJECT = 2, _("二级账号（城市/项目）")
    PERSONAL = 3, _("三级账号（员工/顾问）")


class Verification(models.TextChoices):
    ENTERPRISE = "enterprise", _("企业认证")
    PERSONAL = "personal", _("个人认证")
    NONE = "none", _("未认证")


class AccountStatus(models.TextChoices):
    ACTIVE = "active", _("正常")
    PAUSED = "paused", _("暂停")
    RESTRICTED = "restricted", _("封禁/限流")
    RETIRED = "retired", _("已停用")


STATUS_CSS: dict[str, str] = {
    AccountStatus.ACTIVE: "text-bg-success",
    AccountStatus.PAUSED: "text-bg-secondary",
    AccountStatus.RESTRICTED: "text-bg-danger",
}


class AccountQuerySet(models.QuerySet["Account"]):
    def alive(self) -> AccountQuerySet:
        return self.filter(deleted_at__isnull=True)


class Account(TimeStampedModel):
    """One social-media account (账号) in the three-level matrix tree."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="accounts"
    )
    company = models.ForeignKey(
        Company,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="accounts",
        verbose_name=_("城市公司"),
    )
    project = models.ForeignKey(
        Project,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="accounts",
        verbose_name=_("项目"),
    )
    platform = models.ForeignKey(
        Platform, on_delete=models.PROTECT, related_name="accounts", verbose_name=_("平台")
    )
    platform_account_id = models.CharField(_("平台账号ID"), max_length=80, blank=True)
    subtype = models.CharField(
        _("账号类型"), max_length=20, blank=True, help_text=_("如 订阅号/服务号")
    )
    name = models.CharField(_("账号名称"), max_length=60)
    level = models.PositiveSmallIntegerField(_("层级"), choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("上级账号"),
    )
    positioning = models.CharField(_("领域/定位"), max_length=100, blank=True)
    verification = models.CharField(
        _("认证状态"), max_length=12, choices=Verification.choices, default=Verification.NONE
    )
    real_name_holder = models.CharField(_("实名主体"), max_length=60, blank=True)
    bound_phone = models.CharField(_("绑定手机"), max_length=11, blank=True)
    custodian = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="custodian_of",
        verbose_name=_("负责人"),
    )
    backup_custodian = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="backup_of",
        verbose_name=_("备份负责人"),
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=AccountStatus.choices, default=AccountStatus.ACTIVE
    )
    followers = models.PositiveIntegerField(_("粉丝数"), null=True, blank=True)
    opened_on = models.DateField(_("开通日期"), null=True, blank=True)
    notes = models.TextField(_("备注"), blank=True)
    # profile (账号模板 fields; on a level-1 account they are the template for its subtree)
    brand_keyword = models.CharField(_("品牌关键词"), max_length=40, blank=True)
    avatar = models.ImageField(_("头像"), upload_to="accounts/avatars/", blank=True)
    banner = models.ImageField(_("背景图"), upload_to="accounts/banners/", blank=True)
    bio = models.TextField(_("简介"), blank=True)
    cover_style = models.CharField(_("视频封面风格"), max_length=200, blank=True)
    tone_keywords = models.CharField(
        _("价值观/格调关键词"), max_length=200, blank=True, help_text=_("用逗号分隔")
    )
    hook = models.CharField(_("钩子/行动号召"), max_length=200, blank=True)
    is_live_account = models.BooleanField(_("直播账号"), default=False)
    live_schedule = models.CharField(
        _("直播时间"), max_length=100, blank=True, help_text=_("如 周一、三、五 15:00-17:00")
    )
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = AccountQuerySet.as_manager()
    audit_type = "account"

    class Meta:
        verbose_name = _("账号")
        ordering = ["level", "platform__sort", "name"]
        indexes = [
            models.Index(fields=["organisation", "level"]),
            models.Index(fields=["company", "project"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "platform_account_id"],
                condition=~Q(platform_account_id="") & Q(deleted_at__isnull=True),
                name="account_platform_id_unique",
            ),
            models.CheckConstraint(condition=Q(level__in=[1, 2, 3]), name="account_level_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.platform}）" if self.platform_id else self.name

    @property
    def status_css(self) -> str:
        """The Bootstrap badge class of the status."""
        return STATUS_CSS.get(self.status, "text-bg-dark")


class Credential(TimeStampedModel):
    """A login or API secret of an account, encrypted at rest; revealing it is audited."""

    class Kind(models.TextChoices):
        LOGIN = "login", _("登录密码")
        APP_SECRET = "app_secret", "AppSecret"
        API_TOKEN = "api_token", _("API 令牌")
        OTHER = "other", _("其他")

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="credentials")
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    label = models.CharField(_("说明"), max_length=60, blank=True)
    identifier = models.CharField(_("账号/AppID"), max_length=120, blank=True)
    secret = models.TextField(_("密文"), editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    audit_type = "credential"

    class Meta:
        verbose_name = _("凭据")
        ordering = ["kind", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.label}".strip()


class StandardRule(models.Model):
    """A profile standards check, as data: code (its check in rules.py), message, severity."""

    class Severity(models.TextChoices):
        ERROR = "error", _("错误")
        WARNING = "warning", _("警告")
        INFO = "info", _("提示")

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    message = models.CharField(
        _("提示语"), max_length=200, help_text=_("可用 {limit} {actual} {keyword}")
    )
    severity = models.CharField(_("级别"), max_length=8, choices=Severity.choices)
    enabled = models.BooleanField(_("启用"), default=True)

    audit_type = "standard_rule"

    class Meta:
        verbose_name = _("账号规范规则")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code
