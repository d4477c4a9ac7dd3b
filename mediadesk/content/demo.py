"""Demo content plan: categories, two series with quotas, this week's plan on 公众号/抖音/小红书,
a reserve item, marketing nodes, published posts in past weeks and a few assets."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image

from mediadesk.content import rules, services
from mediadesk.content.models import Asset, ContentItem, Status, Variant
from mediadesk.matrix.models import Account
from mediadesk.orgs.models import Company, Organisation, Project

# (title, form, category, series, platforms, day offset in this week, hour, targets)
WEEK: list[tuple[str, str, str, str | None, tuple[str, ...], int, int, tuple[int, int, int]]] = [
    (
        "美好西安｜大唐不夜城的夜",
        "short_video",
        "品牌类",
        "美好西安",
        ("douyin",),
        1,
        18,
        (500_000, 10_000, 200),
    ),
    (
        "美好西安｜曲江池的清晨",
        "short_video",
        "品牌类",
        "美好西安",
        ("douyin", "xiaohongshu"),
        4,
        12,
        (300_000, 8000, 120),
    ),
    (
        "曲江府工程进度｜主体结构封顶",
        "short_video",
        "产品类",
        "曲江府工程进度",
        ("douyin", "wechat_mp"),
        2,
        19,
        (100_000, 3000, 80),
    ),
    (
        "曲江府样板间开放预约",
        "article",
        "活动类",
        None,
        ("wechat_mp", "xiaohongshu"),
        0,
        20,
        (50_000, 2000, 150),
    ),
    (
        "置业顾问答疑：公积金贷款怎么算",
        "qa",
        "服务类",
        None,
        ("xiaohongshu",),
        3,
        21,
        (30_000, 1500, 60),
    ),
    (
        "2026 西安楼市半年观察",
        "long_article",
        "行业类",
        None,
        ("wechat_mp",),
        2,
        8,
        (80_000, 1200, 30),
    ),
    (
        "高新云境园林实景图集",
        "poster",
        "产品类",
        None,
        ("xiaohongshu", "douyin"),
        5,
        10,
        (60_000, 2500, 50),
    ),
    (
        "周三直播预告：城市领导带你看曲江",
        "live_teaser",
        "活动类",
        None,
        ("douyin", "wechat_mp"),
        1,
        12,
        (200_000, 6000, 300),
    ),
]
BODY = {
    "douyin": "开场三秒：航拍曲江夜景。\n口播：走进锦程，感受西安的美好生活。\n结尾：关注我们，私信预约看房。",
    "wechat_mp": "锦程置业与您分享西安的美好生活。本周我们带来项目最新进展与看房活动安排，欢迎点击阅读原文预约。",
    "xiaohongshu": "周末去哪儿｜在曲江池边散步的一小时，记录西安的美好日常～",
}
TAGS = {"douyin": "#美好西安 #西安生活", "wechat_mp": "", "xiaohongshu": "#西安 #周末去哪儿"}


def _png(color: tuple[int, int, int]) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 40), color).save(buf, format="PNG")
    return buf.getvalue()


def _assets(org: Organisation, company: Company, planner: Any, today: dt.date) -> list[Asset]:
    specs = [
        ("曲江府航拍封面", (40, 90, 160), "own", None),
        ("样板间实景", (180, 140, 90), "purchased", today + dt.timedelta(days=365)),
        ("网络图库-大雁塔夜景", (20, 20, 60), "purchased", today - dt.timedelta(days=10)),
    ]
    out = []
    for title, color, licence, expires in specs:
        upload = SimpleUploadedFile(f"{title}.png", _png(color), content_type="image/png")
        out.append(services.upload_asset(by=planner, organisation=org, upload=upload, values={
            "title": title, "kind": "image", "company": company, "tags": "航拍,封面" if "航拍" in title else "实景",
            "licence_type": licence, "licence_expires_on": expires, "licence_source": "锦程品牌部" if licence == "own" else "视觉中国",
        }))  # fmt: skip
    return out


def _nodes(
    org: Organisation, company: Company, planner: Any, projects: dict[str, Project], today: dt.date
) -> None:
    dec12 = dt.date(today.year, 12, 12)
    specs = [
        ("元旦", "holiday", dt.date(today.year + 1, 1, 1), None, None),
        (
            "双12",
            "promotion",
            dec12 if dec12 >= today else dec12.replace(year=today.year + 1),
            None,
            None,
        ),
        (
            "锦程·曲江府 二期开盘",
            "project",
            today + dt.timedelta(days=12),
            projects.get("锦程·曲江府"),
            None,
        ),
        ("城市领导直播（每月20日）", "live", today.replace(day=1), None, 20),
    ]
    for name, kind, starts, project, monthly in specs:
        services.save_node(None, by=planner, organisation=org, values={
            "name": name, "kind": kind, "starts_on": starts, "project": project, "monthly_day": monthly,
            "company": company,
            "notes": "每月 20 日城市领导直播看房" if monthly else "",
        })  # fmt: skip


def _at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def _item(
    org: Organisation, planner: Any, spec: Any, refs: dict[str, Any], monday: dt.date
) -> ContentItem:
    title, form, category, series, platforms, offset, hour, targets = spec
    item = services.create_item(by=planner, organisation=org, values={
        "title": title, "form": form, "category": refs["categories"][category], "owner": planner,
        "series": refs["series"].get(series), "target_exposure": targets[0],
        "target_interactions": targets[1], "target_conversions": targets[2],
        "company": refs["company"], "seo_keywords": "西安买房,曲江",
        "assets": refs["assets"][:1] if form in ("short_video", "poster") else [],
    })  # fmt: skip
    for code in platforms:
        services.add_variant(item, by=planner, values={
            "account": refs["accounts"][code], "title": title[:20] if code != "douyin" else title,
            "body": BODY[code], "tags": TAGS[code], "digest": BODY[code][:60] if code == "wechat_mp" else "",
            "duration_seconds": 45 if form == "short_video" and code == "douyin" else None,
            "planned_at": _at(monday + dt.timedelta(days=offset), hour),
        })  # fmt: skip
    return item


def _published(org: Organisation, planner: Any, refs: dict[str, Any], monday: dt.date) -> None:
    """Posts of the three previous weeks for analytics. Publishing is the review app's
    transition; demo history is written directly, as if those posts went through it."""
    for weeks_back in (1, 2, 3):
        week = monday - dt.timedelta(weeks=weeks_back)
        for n in range(2 if weeks_back != 2 else 1):  # week -2 falls short of the quota
            spec = (f"美好西安｜城市漫步 第{weeks_back * 2 + n}期", "short_video", "品牌类", "美好西安",
                    ("douyin",), 1 + n * 2, 18, (400_000, 9000, 150))  # fmt: skip
            item = _item(org, planner, spec, refs, week)
            published_at = _at(week + dt.timedelta(days=1 + n * 2), 18)
            Variant.objects.filter(item=item).update(
                status=Status.PUBLISHED, published_at=published_at,
                published_url=f"https://www.douyin.com/video/7{item.pk:018d}", external_id=f"7{item.pk:018d}",
            )  # fmt: skip
            ContentItem.objects.filter(pk=item.pk).update(status=Status.PUBLISHED)


@transaction.atomic
def load(
    *, org: Organisation, company: Company, projects: dict[str, Project], users: dict[str, Any]
) -> None:
    """Create the demo plan once (a second run changes nothing)."""
    if ContentItem.objects.filter(organisation=org).exists():
        return
    planner = users["planner"]
    services.ensure_categories(org, by=planner)
    accounts = {
        code: Account.objects.alive().get(organisation=org, level=1, platform__code=code)
        for code in ("douyin", "wechat_mp", "xiaohongshu")
    }
    today = timezone.localdate()
    qujiang = projects.get("锦程·曲江府")
    categories = {c.name: c for c in org.topic_categories.all()}
    series = {
        "美好西安": services.save_series(None, by=planner, organisation=org, values={
            "name": "美好西安", "weekly_quota": 2, "account": accounts["douyin"], "company": company,
            "category": categories["品牌类"], "description": "城市人文短视频专辑，一级抖音号每周 2 条"}),
        "曲江府工程进度": services.save_series(None, by=planner, organisation=org, values={
            "name": "曲江府工程进度", "weekly_quota": 1, "account": accounts["douyin"], "project": qujiang,
            "category": categories["产品类"], "description": "工地实拍、节点播报，每周 1 条"}),
    }  # fmt: skip
    refs: dict[str, Any] = {"accounts": accounts, "categories": categories, "series": series, "company": company,
            "assets": _assets(org, company, planner, today)}  # fmt: skip
    _nodes(org, company, planner, projects, today)
    monday = rules.week_start(today)
    for spec in WEEK:
        item = _item(org, planner, spec, refs, monday)
        if "大雁塔" in spec[0] or spec[0].startswith("美好西安｜曲江池"):
            services.update_item(item, by=planner, values={"assets": refs["assets"][2:]})
    reserve = services.create_item(by=planner, organisation=org, values={
        "title": "暴雨天气安全提示（备用）", "form": "poster", "category": categories["服务类"], "owner": planner,
        "company": company, "is_reserve": True, "notes": "极端天气时发布：社区安全提示与物业服务电话",
    })  # fmt: skip
    services.add_variant(reserve, by=planner, values={
        "account": accounts["wechat_mp"], "title": "暴雨天气，锦程物业提醒您注意安全", "body": BODY["wechat_mp"]})  # fmt: skip
    _published(org, planner, refs, monday)
