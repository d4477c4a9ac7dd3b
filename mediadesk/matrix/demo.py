"""Demo account matrix: one brand (level 1) on four platforms, project accounts, consultants."""

from __future__ import annotations

from typing import Any

from mediadesk.matrix import defaults, services
from mediadesk.matrix.models import Account, AccountStatus, Platform, StandardRule, Verification
from mediadesk.orgs.models import Company, Organisation, Project

BRAND_BIO = "锦程置业官方账号｜匠心品质，美好生活。每周一、三、五 15:00-17:00 直播看房，关注我们，预约看房。"


def _platform(code: str) -> Platform:
    return Platform.objects.get(code=code)


def load_matrix(
    *, org: Organisation, company: Company, projects: dict[str, Project], users: dict[str, Any]
) -> int:
    """Create the demo accounts through the services (audited); returns how many were created."""
    if Account.objects.filter(organisation=org).exists():
        return 0
    defaults.install(Platform, StandardRule)
    admin = users["admin"]
    brand: dict[str, Account] = {}
    for code in ("douyin", "wechat_mp", "weibo", "xiaohongshu"):
        brand[code] = services.create_account(by=admin, organisation=org, values={
            "platform": _platform(code), "name": "锦程置业", "level": 1, "brand_keyword": "锦程",
            "tone_keywords": "匠心,品质,美好生活", "hook": "关注我们，预约看房", "bio": BRAND_BIO,
            "verification": Verification.ENTERPRISE, "custodian": users["manager"],
            "backup_custodian": users["operator"], "positioning": "品牌形象、楼盘资讯、直播看房",
            "subtype": "服务号" if code == "wechat_mp" else "", "is_live_account": code == "douyin",
            "platform_account_id": f"jincheng_{code}", "followers": {"douyin": 86000, "wechat_mp": 42000, "weibo": 15000, "xiaohongshu": 9800}[code],
        })  # fmt: skip
    level2: dict[str, Account] = {}
    short = {"锦程·曲江府": "曲江府", "锦程·高新云境": "高新云境", "锦程·浐灞湖畔": "浐灞湖畔"}
    for name, project in projects.items():
        level2[name] = services.create_account(by=admin, organisation=org, values={
            "platform": _platform("douyin"), "name": f"锦程{short[name]}", "level": 2, "parent": brand["douyin"],
            "project": project, "verification": Verification.ENTERPRISE, "custodian": users["operator"],
            "bio": f"锦程{short[name]}项目官方号｜匠心品质社区，实景探盘。周三 19:00 直播，私信预约看房。",
            "is_live_account": True, "hook": "私信预约看房", "positioning": "项目探盘、园区生活",
            "platform_account_id": f"jincheng_{short[name]}",
        })  # fmt: skip
    services.create_account(by=admin, organisation=org, values={
        "platform": _platform("wechat_mp"), "name": "锦程西安", "level": 2, "parent": brand["wechat_mp"],
        "company": company, "subtype": "订阅号", "verification": Verification.ENTERPRISE,
        "custodian": users["planner"], "bio": "锦程西安公司官方订阅号，美好生活从这里开始，关注获取最新楼盘资讯。",
    })  # fmt: skip
    consultants = [
        (
            "锦程曲江府-小孙说房",
            "锦程·曲江府",
            users["sales"],
            "曲江府置业顾问小孙，匠心好房每天讲，私信我预约看房。",
        ),
        ("西安买房小孙", "锦程·曲江府", users["sales"], "西安买房攻略"),
        (
            "锦程曲江府-安安",
            "锦程·曲江府",
            users["anchor"],
            "主播安安｜周一、三、五 15:00 直播看房，关注不迷路。",
        ),
        ("锦程曲江府-小吴", "锦程·曲江府", users["service"], ""),
        (
            "锦程云境-阿杰",
            "锦程·高新云境",
            users["operator"],
            "高新云境置业顾问阿杰，品质生活顾问，咨询请私信。",
        ),
        ("锦程云境-美美", "锦程·高新云境", users["operator"], "美好生活，从一套好房开始。" * 12),
        ("锦程云境-小郑", "锦程·高新云境", None, "云境小郑，带你看懂高新板块，关注我。"),
        (
            "锦程湖畔-老陈",
            "锦程·浐灞湖畔",
            users["operator"],
            "浐灞湖畔老陈，生态宜居，匠心品质，预约看房请留言。",
        ),
        ("湖畔生活家", "锦程·浐灞湖畔", users["operator"], "记录湖畔美好生活"),
        (
            "锦程湖畔-小钱",
            "锦程·浐灞湖畔",
            users["channel"],
            "湖畔置业顾问小钱，关注我了解一手房源。",
        ),
    ]
    for name, project_name, custodian, bio in consultants:
        services.create_account(by=admin, organisation=org, values={
            "platform": _platform("douyin"), "name": name, "level": 3, "parent": level2[project_name],
            "project": projects[project_name], "custodian": custodian, "bio": bio,
            "verification": "personal", "is_live_account": name.endswith("安安"),
            "status": AccountStatus.PAUSED if name == "湖畔生活家" else AccountStatus.ACTIVE,
        })  # fmt: skip
    services.add_credential(
        brand["douyin"], by=admin, kind="login", identifier="13800000002",
        secret="demo-Douyin-Passw0rd", label="抖音后台登录",
    )  # fmt: skip
    services.add_credential(
        brand["wechat_mp"], by=admin, kind="app_secret", identifier="wx0000000000demo",
        secret="demo0123456789abcdef0123456789ab", label="公众号开发者密钥",
    )  # fmt: skip
    return Account.objects.filter(organisation=org).count()
