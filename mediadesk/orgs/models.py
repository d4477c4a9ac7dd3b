"""Organisation → company → project; users, their role grants, API tokens, login attempts."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mediadesk.orgs.roles import Role


def default_language() -> str:
    """A new user's interface language: the deployment's LANGUAGE_CODE."""
    return str(settings.LANGUAGE_CODE)


class Organisation(models.Model):
    """The developer (集团) that runs MediaDesk; everything belongs to one."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    brand_keyword = models.CharField(
        _("品牌关键词"), max_length=40, blank=True, help_text=_("账号名称应包含的品牌词，如“锦程”")
    )
    is_demo = models.BooleanField(default=False, editable=False)

    audit_type = "organisation"

    class Meta:
        verbose_name = _("组织")

    def __str__(self) -> str:
        return self.name


class Company(models.Model):
    """A city company (城市公司), e.g. 西安公司."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="companies"
    )
    name = models.CharField(_("名称"), max_length=100)
    city = models.CharField(_("城市"), max_length=40, blank=True)

    audit_type = "company"

    class Meta:
        verbose_name = _("城市公司")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="company_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Project(models.Model):
    """A project or brand (项目/楼盘/品牌) of a company."""

    class Kind(models.TextChoices):
        ESTATE = "estate", _("楼盘")
        BRAND = "brand", _("品牌")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="projects"
    )
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="projects")
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.ESTATE)
    is_active = models.BooleanField(_("在售/启用"), default=True)

    audit_type = "project"

    class Meta:
        verbose_name = _("项目")
        ordering = ["company__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["company", "name"], name="project_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person who logs in; holds roles within scopes through RoleGrant."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="users", null=True, blank=True
    )
    display_name = models.CharField(_("姓名"), max_length=60, blank=True)
    phone = models.CharField(_("手机号"), max_length=11, blank=True)
    totp_secret = models.TextField(_("TOTP 密钥(加密)"), blank=True, editable=False)
    totp_enabled = models.BooleanField(_("已启用两步验证"), default=False)
    deactivated_at = models.DateTimeField(_("停用时间"), null=True, blank=True)
    language = models.CharField(
        _("界面语言"), max_length=10, choices=settings.LANGUAGES, default=default_language
    )

    audit_type = "user"

    class Meta:
        verbose_name = _("用户")
        ordering = ["username"]
        constraints = [
            models.UniqueConstraint(
                fields=["phone"], condition=~Q(phone=""), name="user_phone_unique"
            )
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def label(self) -> str:
        return f"{self.display_name}（{self.username}）" if self.display_name else self.username


class RoleGrant(models.Model):
    """A role held within a scope: the whole organisation, one company or one project."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_grants")
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    granted_at = models.DateTimeField(default=timezone.now)

    audit_type = "role_grant"

    class Meta:
        verbose_name = _("角色授权")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "organisation", "company", "project"],
                name="role_grant_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} @ {self.scope_label}"

    @property
    def scope_label(self) -> str:
        if self.project_id:
            return _("项目：%(project)s") % {"project": self.project}
        if self.company_id:
            return _("公司：%(company)s") % {"company": self.company}
        return _("全组织：%(organisation)s") % {"organisation": self.organisation}


class ApiToken(models.Model):
    """A personal API token; only its SHA-256 is stored, the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("名称"), max_length=60)
    prefix = models.CharField(max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    audit_type = "api_token"

    class Meta:
        verbose_name = _("API 令牌")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class LoginAttempt(models.Model):
    """A failed login, kept for throttling by username and by IP."""

    username = models.CharField(max_length=150, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.username}@{self.ip} {self.at:%Y-%m-%d %H:%M}"
