"""Platform connectors behind one interface (base.Connector); platforms without one publish
through a package a person posts by hand."""

from __future__ import annotations

from mediadesk.publishing.connectors.base import Connector
from mediadesk.publishing.connectors.douyin import DouyinConnector
from mediadesk.publishing.connectors.wechat import WechatConnector
from mediadesk.publishing.connectors.weibo import WeiboConnector

CONNECTORS: dict[str, Connector] = {
    c.code: c for c in (WechatConnector(), WeiboConnector(), DouyinConnector())
}
# Platforms connected with app id + secret; the others with OAuth user tokens.
APP_SECRET_PLATFORMS = {"wechat_mp"}


def connector_for(platform_code: str) -> Connector | None:
    """The platform's connector, or None (小红书, 视频号, B站, 知乎 …: publish packages)."""
    return CONNECTORS.get(platform_code)
