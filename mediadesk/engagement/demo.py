"""Engagement demo: a day of messages across platforms in every state (an SLA breach and a
lead candidate among them), the reply library, a watch list and a closed 二级 incident with
its 复盘. Idempotent: nothing happens when the demo messages already exist."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from mediadesk.engagement import jobs, library, opinion, services
from mediadesk.engagement.models import Message, ReplyVariable, ServiceSeat, Status, Step, WatchTerm
from mediadesk.matrix.models import Account
from mediadesk.orgs.models import Company, Organisation, Project

REPLIES = [
    (
        "咨询价格",
        "价格咨询",
        "您好，{项目名}目前在售户型价格因楼层朝向不同有所差异，欢迎私信留下联系方式，置业顾问为您详细介绍。",
        "多少钱,价格,单价,一平",
        [],
    ),
    (
        "户型面积",
        "户型介绍",
        "您好，{项目名}在售建筑面积约 98–143㎡ 三至四室户型，可预约到售楼处参观样板间。",
        "户型,几室,面积,样板间",
        [],
    ),
    (
        "交房时间",
        "交房时间",
        "您好，交付时间以购房合同约定为准，工程进度每月在公众号公布，欢迎关注。",
        "交房,交付,什么时候",
        [],
    ),
    (
        "学区/配套",
        "学区说明",
        "您好，周边学校及配套信息以政府部门公布为准，欢迎到营销中心了解。",
        "学区,学校,上学",
        [],
    ),
    (
        "投诉",
        "投诉致歉",
        "非常抱歉给您带来不便，已将问题转交物业/工程负责人，会在 24 小时内联系您，请私信留下联系方式。",
        "投诉,漏水,维权,质量,差",
        [],
    ),
    (
        "活动规则",
        "开放日活动",
        "您好，本周末工地开放日{活动时间}举行，到场登记即可参加，详情请私信。",
        "活动,开放日,优惠",
        [],
    ),
    (
        "感谢",
        "感谢支持",
        "感谢您的支持与认可，我们会继续用心做好产品和服务！",
        "谢谢,点赞,满意,喜欢",
        [],
    ),
    (
        "位置交通",
        "位置交通",
        "您好，{项目名}售楼处地址可在主页查看导航，欢迎到访，电话 {售楼处电话}。",
        "位置,在哪,地址,怎么走",
        ["wechat_mp", "weibo", "douyin"],
    ),
    (
        "咨询价格",
        "最低价话术（示例：不可用）",
        "本月全网最低价，错过再等一年！",
        "价格",
        [],
    ),
]
MESSAGES = [
    # (minutes ago, platform, kind, text, status)
    (15, "weibo", "comment", "曲江府什么时候开盘？", Status.NEW),
    (95, "weibo", "comment", "怎么一直没人回复？问了好几次了", Status.NEW),
    (40, "douyin", "comment", "多少钱一平？电话13912345678", Status.NEW),
    (50, "douyin", "private_message", "户型图发我看看，想要三室的", Status.IN_PROGRESS),
    (130, "wechat_mp", "comment", "请问样板间周末开放吗", Status.REPLIED),
    (200, "wechat_mp", "official_message", "环境很好，交通方便，已经推荐给朋友了", Status.REPLIED),
    (260, "douyin", "comment", "这楼盘烂尾了吧，业主都在维权", Status.IN_PROGRESS),
    (300, "xiaohongshu", "comment", "小区绿化真的好，拍照很出片👍", Status.CLOSED),
    (320, "douyin", "live_comment", "主播讲一下135的户型", Status.NO_REPLY),
    (340, "weibo", "comment", "加V看房送车位，详情私聊", Status.SPAM),
    (360, "weibo", "mention", "@锦程置业 卫生间漏水三次了，物业一直推诿", Status.NEW),
    (420, "douyin", "comment", "准时交房，质量也不错，点赞", Status.REPLIED),
]


def _accounts(org: Organisation) -> dict[str, Account]:
    """One account per platform, the 曲江府 project account where there is one."""
    out: dict[str, Account] = {}
    for account in Account.objects.alive().filter(organisation=org, project__name="锦程·曲江府").select_related("platform"):  # fmt: skip
        out.setdefault(account.platform.code, account)
    for account in Account.objects.alive().filter(organisation=org).select_related("platform").order_by("level", "id"):  # fmt: skip
        out.setdefault(account.platform.code, account)
    return out


def load(*, org: Organisation, company: Company, projects: dict[str, Project], users: dict[str, Any]) -> None:  # fmt: skip
    """Create the engagement demo once."""
    if Message.objects.filter(organisation=org, external_id__startswith="demo-").exists():
        return
    manager, service = users["manager"], users.get("service") or users["operator"]
    with transaction.atomic():
        for name, value in (("项目名", "锦程置业"), ("售楼处电话", "029-8888 6666"), ("活动时间", "本周六 10:00–17:00")):  # fmt: skip
            ReplyVariable.objects.get_or_create(organisation=org, project=None, name=name, defaults={"value": value})  # fmt: skip
        ServiceSeat.objects.get_or_create(organisation=org, user=service, defaults={"supervisor": manager})  # fmt: skip
        for category, title, text, keywords, platforms in REPLIES:
            library.save(org, {"category": category, "title": title, "text": text, "keywords": keywords, "platforms": platforms}, by=manager)  # fmt: skip
        for term, category in (("锦程", WatchTerm.Category.BRAND), ("曲江府", WatchTerm.Category.PROJECT), ("云境", WatchTerm.Category.PROJECT)):  # fmt: skip
            opinion.save_watch_term(org, term=term, category=category, by=manager)
        _messages(org, users, service)
        _incident(org, users)


def _messages(org: Organisation, users: dict[str, Any], service: Any) -> None:
    accounts = _accounts(org)
    now = timezone.now()
    items = [
        services.Incoming(platform=code, kind=kind, external_id=f"demo-{n}", text=text,
                          received_at=now - dt.timedelta(minutes=ago), account_id=accounts[code].pk if code in accounts else None,
                          author_name=f"用户{n:03d}")
        for n, (ago, code, kind, text, _status) in enumerate(MESSAGES)
    ]  # fmt: skip
    stored = services.ingest(org, items)
    for (message, _created), (_ago, _code, _kind, _text, status) in zip(stored, MESSAGES, strict=True):  # fmt: skip
        if status == Status.REPLIED:
            services.reply(message, by=service, text="您好，感谢关注，已为您安排置业顾问联系。")
            Message.objects.filter(pk=message.pk).update(first_response_at=message.received_at + dt.timedelta(minutes=25))  # fmt: skip
        elif status in (Status.CLOSED, Status.NO_REPLY, Status.SPAM, Status.IN_PROGRESS):
            services.set_status(message, status=status, by=service)
    jobs.check_slas(now)  # the 95-minute-old 微博 comment is past its 30 minutes


def _incident(org: Organisation, users: dict[str, Any]) -> None:
    manager = users["manager"]
    grades = {g.level: g for g in opinion.grades_of(org.pk)}
    term = WatchTerm.objects.get(organisation=org, term="曲江府")
    start = timezone.now() - dt.timedelta(days=12)
    mentions = [
        opinion.MentionIn(
            source="微博",
            text=f"曲江府交房延期，业主在售楼处维权 #{n}",
            published_at=start + dt.timedelta(minutes=3 * n),
            url=f"https://weibo.com/demo/{n}",
            author=f"网友{n}",
            author_followers=800 + n,
        )
        for n in range(12)
    ]
    opinion.ingest_mentions(org, mentions, by=manager)
    incident = opinion.Incident.objects.filter(
        organisation=org, term=term
    ).first() or opinion.open_incident(
        org,
        title="曲江府交房延期维权",
        grade=grades[2],
        by=manager,
        term=term,
        detected_at=start,
    )
    if incident.grade.level != 2:
        opinion.regrade(incident, grade=grades[2], by=manager, note="人工研判：局部发酵")
    opinion.advance(incident, step=Step.ASSESS, note="核实：3 号楼外立面整改导致交付推迟 20 天", by=manager)  # fmt: skip
    opinion.advance(incident, step=Step.HANDLE, note="发布交付进度说明，私信逐一回复业主", by=manager, action="clarify")  # fmt: skip
    opinion.Incident.objects.filter(pk=incident.pk).update(first_response_at=start + dt.timedelta(minutes=40), statement_at=start + dt.timedelta(hours=3))  # fmt: skip
    opinion.close(incident, lessons="首次响应 40 分钟，在 4 小时预案内；说明发布后负面声量 6 小时内回落。", follow_ups="交付节点变更提前 30 天公示；工程进度每月公开。", by=manager)  # fmt: skip
