"""The default lexicon every organisation starts from (reference domain-cn.md §2).

Terms are grouped by category; each group shares a severity, a legal basis and a
suggested replacement unless a term overrides them. Pattern rules run on the normalised
stream (half-width, lower case, spaces and punctuation removed: "8000元/㎡起" arrives as
"8000元m2起"), so they are written for that form.
"""

from __future__ import annotations

from mediadesk.compliance.rules import Category as C
from mediadesk.compliance.rules import PatternSpec, TermSpec
from mediadesk.compliance.rules import Severity as S

# Raised whenever this module gains terms, compounds or rules; organisations seeded with
# an older revision receive the missing rows (never resurrecting ones they deactivated).
REVISION = 1

AD_LAW_9 = (
    "《广告法》第九条(三)：不得使用“国家级”“最高级”“最佳”等用语；违者依第五十七条处20万–100万元罚款"
)
AD_LAW_26 = "《广告法》第二十六条、《房地产广告发布规定》第三条；违者依第五十八条处罚"
AD_LAW_4 = "《广告法》第四条：广告不得含有虚假或者引人误解的内容"
AD_LAW_MED_FIN = "《广告法》第十六、十七、二十五条：医疗效果、投资收益不得作保证性承诺"
PRESALE = "《房地产广告发布规定》第四条：未取得预售许可证的项目不得发布预售广告；广告应载明预售/销售许可证号"

SOFT = "部分词表将其列为禁用词，另一些暂不导入；按“提示”处理，请结合事实判断"
GRADE_STD = "依国家、行业或地方标准评定的等级可以使用（须真实并可证明）"
CONTEXT = "请结合语境判断"

# (category, severity, basis, default suggestion, terms); a term may be
# "word|suggestion" to override the suggestion or "word|suggestion|warn" to soften it.
GROUPS: list[tuple[str, str, str, str, list[str]]] = [
    (
        C.SUPERLATIVE,
        S.BLOCK,
        AD_LAW_9,
        "优选、更好、优质",
        [
            "最",
            "最佳",
            "最具",
            "最爱",
            "最赚",
            "最优",
            "最优秀",
            "最好",
            "最大",
            "最大程度",
            "最高",
            "最高级",
            "最高端",
            "最奢侈",
            "最低",
            "最低级",
            "最低价|限时特惠价（须真实并注明有效期）",
            "最底",
            "最便宜|限时特惠价（须真实并注明有效期）",
            "最流行",
            "最受欢迎",
            "最时尚",
            "最聚拢",
            "最符合",
            "最舒适",
            "最先",
            "最先进",
            "最先进科学",
            "最先进加工工艺",
            "最新|新推出、全新（须真实）|warn",
            "最新技术",
            "最新科学",
        ],
    ),
    (
        C.FIRST,
        S.BLOCK,
        AD_LAW_9,
        "领先；或写可验证的事实，如“2024年XX区住宅网签套数第1（来源：XX）”",
        [
            "第一",
            "第1名",
            "中国第一",
            "全网第一",
            "销量第一",
            "排名第一",
            "NO.1",
            "TOP1",
            "第一品牌",
            "唯一|稀有、少有",
            "独一无二|稀有、少有",
            "全国第一",
            "大品牌之一",
            "首个",
            "首选|优选",
            "首家",
            "首发|新品发布",
            "全球首发",
            "全国首家",
            "全网首发",
            "首席",
            "首创",
            "销冠|写明统计口径与来源（需住建委网签数据证明方可使用）|warn",
        ],
    ),
    (
        C.GRADE,
        S.BLOCK,
        AD_LAW_9,
        "高品质、精工",
        [
            "国家级|写明真实的颁发机构和级别",
            "国家级产品|写明真实的颁发机构和级别",
            "国际级",
            "世界级",
            "全球级",
            "宇宙级",
            "千万级",
            "百万级",
            "顶级",
            "顶尖",
            "尖端",
            "顶级工艺",
            "顶级享受",
            "极品",
            "极佳",
            "极致",
            "致极",
            "极具",
            "终极",
            "至尊",
            "至臻",
            "臻品",
            "巅峰",
            "王牌",
            "冠军",
            "领袖品牌",
            "掌门人",
            "世界领先",
            "国际知名",
        ],
    ),
    (
        C.GRADE,
        S.WARN,
        GRADE_STD,
        "写明评定标准与评定机构",
        ["星级", "5A", "甲级", "超甲级"],
    ),
    (
        C.GRADE,
        S.WARN,
        SOFT,
        "用可验证的事实描述",
        ["优秀", "资深", "著名", "金牌", "名牌", "领先"],
    ),
    (
        C.ABSOLUTE,
        S.BLOCK,
        AD_LAW_9,
        "描述具体属性（区位、容积率、实测数据）",
        [
            "绝对",
            "绝佳",
            "完美",
            "万能|删除",
            "永久",
            "100%|删除",
            "百分百|删除",
            "绝无仅有",
            "前无古人",
            "史无前例",
            "空前绝后",
            "无与伦比",
            "无人能及",
            "非此莫属",
            "问鼎",
            "鼎级",
            "压轴",
            "绝版",
            "不可再生",
            "不可复制",
            "寸土寸金",
            "稀世珍宝",
            "千金难求",
            "世所罕见",
            "屈指可数",
            "填补国内空白",
        ],
    ),
    (
        C.EXCLUSIVE,
        S.BLOCK,
        AD_LAW_9,
        "删除或写明可证明的事实",
        ["独家", "独创", "独据", "开发者", "缔造者", "创始者", "发明者"],
    ),
    (
        C.URGENCY,
        S.BLOCK,
        AD_LAW_9,
        "限时特惠价（须真实并注明有效期）",
        ["仅此一次", "最后一波", "全网最低价", "史上最低价", "抄底|删除"],
    ),
    (
        C.URGENCY,
        S.WARN,
        "平台社区规范；促销须真实并写明起止时间",
        "限时优惠（写明起止时间）",
        ["秒杀"],
    ),
    (
        C.URGENCY,
        S.INFO,
        "促销须真实并写明起止时间",
        "写明起止时间",
        ["限时"],
    ),
    (
        C.AUTHORITY,
        S.BLOCK,
        "《广告法》第九条(二)、第十条：不得使用国家机关及其工作人员的名义或形象",
        "删除",
        [
            "领导人推荐",
            "机关推荐",
            "国家推荐",
            "专供",
            "特供",
            "质量免检",
            "免检产品",
            "无需国家质量检测",
            "驰名商标|删除（驰名商标字样不得用于广告）",
        ],
    ),
    (
        C.REAL_ESTATE,
        S.BLOCK,
        AD_LAW_26,
        "删除（不得承诺升值或投资回报）",
        [
            "升值",
            "保值",
            "房价翻番",
            "投资回报",
            "稳赚",
            "增值潜力",
            "升值空间",
            "只涨不跌",
            "学位房|周边规划有XX学校（以教育部门公布为准）",
            "学区房|周边规划有XX学校（以教育部门公布为准）",
            "解决户口|删除（不得承诺户口、就业、入学）",
            "地王|删除",
            "楼王|写明具体楼栋位置与景观",
            "零首付|删除（不得提供或变相提供融资）",
            "首付分期|删除（不得提供或变相提供融资）",
            "首付贷|删除（不得提供或变相提供融资）",
        ],
    ),
    (
        C.MEDICAL_FINANCE,
        S.BLOCK,
        AD_LAW_MED_FIN,
        "删除（不得保证效果或收益）",
        [
            "根治",
            "治愈率",
            "药到病除",
            "包治",
            "无副作用",
            "保本",
            "保收益",
            "保证收益",
            "零风险",
            "无风险",
            "稳赚不赔",
            "高回报",
            "年化收益",
            "躺赚",
        ],
    ),
]

# Reference §2.3: compounds that must not be flagged although they contain a term.
WHITELIST: list[str] = [
    "最近",
    "最终",
    "最后",
    "最初",
    "最早",
    "最晚",
    "最少",
    "最多",
    "第一次",
    "第一时间",
    "第一步",
    "第一期",
    "第一季度",
    "第一批",
    "第一排",
    "第一天",
    "第一站",
    "第一眼",
    "第一印象",
    "第一手",
    "第一层",
    "第一居所",
    "第一轮",
    "第一代",
    "首先",
    "首页",
    "首次",
    "首付",
    "首期",
    "首开",
    "首层",
    "首套",
    "首置",
    "首改",
    "一楼",
    "一期",
    "一线",
    "唯一联系方式",
    "唯一联系电话",
    "唯一指定联系电话",
    "甲级写字楼",
    "5A景区",
    "5A级景区",
    "五星级酒店",
]

# A number starts here (not mid-number) and is not "arrive N minutes early" (提前30分钟到场).
_START = r"(?<![\d一二两三四五六七八九十几半])(?<!提前)(?<!提前约)"
_BY = r"(步行|车程|驾车|骑行|地铁|开车|乘车|自驾)"
_DIGITS = "\\d一二两三四五六七八九十几半"
# A number that starts here (not mid-number) and is not "arrive N minutes early"
# (提前30分钟到场). The guards follow the first character so the regex engine can skip
# quickly to candidate positions.
_NUM = rf"[{_DIGITS}](?<![{_DIGITS}]{{2}})(?<!提前.)(?<!提前约.)[{_DIGITS}]*"
_SOON = r"(即可|可|就能|便可|轻松|快速|直接)"
_ARRIVE = (
    r"(到达|直达|抵达|通达|畅达|直通|尽享|畅享|坐享"
    r"|(到|至|达)(?!账|货|位|期|手|齐|场|时|点)|上(?=高速|环线|绕城|快速))"
)

PATTERNS: list[PatternSpec] = [
    PatternSpec(
        code="travel-time",
        anchors="分钟|小时",
        regex=(
            rf"(?:{_BY}(约|仅|只需|只要|仅需|仅用)?{_NUM}(分钟|小时)({_BY}|{_SOON}?{_ARRIVE})?"
            rf"|{_NUM}(分钟|小时)({_BY}|{_SOON}?{_ARRIVE}))"
        ),
        message="不得以所需时间表示项目位置",
        severity=S.BLOCK,
        category=C.REAL_ESTATE,
        suggestion="距XX地铁站约800米（实测道路距离）",
        basis=AD_LAW_26 + "（不得以所需时间表示项目位置）",
        industry="real_estate",
    ),
    PatternSpec(
        code="price-from",
        anchors="起",
        regex=r"(元|万|万元)(每)?(m2|平方米|平米|平方|平)起|(元|万|万元)起(每)?(m2|平方米|平米|平方|平)",
        message="“XXXX元/㎡起”式报价：价格须为实际价格并注明有效期",
        severity=S.WARN,
        category=C.REAL_ESTATE,
        suggestion="写明实际成交均价及有效期",
        basis="《房地产广告发布规定》：价格应为实际价格并明示有效期",
        industry="real_estate",
    ),
    PatternSpec(
        code="appreciation",
        anchors="增长|上涨|涨幅|翻倍|回报率|年化|收益",
        regex=(
            r"(房价|价格|租金|价值|资产|身价)(年|每年)?(增长|上涨|涨幅|翻倍)\d*"
            r"|(年|每年)(增长|涨幅|上涨)\d+(\.\d+)?%|回报率|年化\d|坐享收益|稳定收益|收益稳定"
        ),
        message="不得承诺升值或者投资回报",
        severity=S.BLOCK,
        category=C.REAL_ESTATE,
        suggestion="删除（不得承诺升值或投资回报）",
        basis=AD_LAW_26,
        industry="real_estate",
    ),
    PatternSpec(
        code="school-hukou",
        anchors="落户|入户|户口|入学|学位|名校|对口|直升|划片",
        regex=(
            r"(买房|购房|置业|购买|入住)(即|就|能|可|送|即可|就能|可以)(落户|入户|上户口|入学)"
            r"|(赠送?|送|享|含|带|保|包|承诺|解决|直升|对口|划片)(名校)?(学位|入学|落户|入户|户口)"
            r"|(落户|入户|学位|入学)(无忧|保障|名额|指标|一步到位)|名校学区|户口随迁"
            r"|对口(?!支援|帮扶|单位|专业)|直升(?!机)|划片"
        ),
        message="不得承诺户口、就业、升学（学位/落户）",
        severity=S.BLOCK,
        category=C.REAL_ESTATE,
        suggestion="周边规划有XX学校（以教育部门公布为准）",
        basis=AD_LAW_26 + "（不得对规划或建设中的教育等配套作误导宣传）",
        industry="real_estate",
    ),
    PatternSpec(
        code="presale-licence",
        regex=r"预售|开盘|(?<!确)认购|认筹|加推|开售|热销|在售|售楼|选房|特价房|清盘|尾盘|火爆销售|销售中",
        absent=r"(许可证|预售证|销售证)[^。!?\n]{0,24}\d",
        message="预售/销售广告未见预售许可证号",
        severity=S.WARN,
        category=C.REAL_ESTATE,
        suggestion="注明开发商名称及预售/销售许可证号",
        basis=PRESALE,
        industry="real_estate",
    ),
    PatternSpec(
        code="one-day-only",
        anchors="一天|1天|今天|今日",
        regex=r"(仅|只|限)(此|限|有)?(一天|1天|今天|今日)(有效|特惠|特价|秒杀|抢购)?",
        message="“仅此一天”类紧迫性用语须真实并写明起止时间",
        severity=S.WARN,
        category=C.URGENCY,
        suggestion="写明活动起止时间",
        basis=AD_LAW_4,
    ),
    PatternSpec(
        code="state-endorsement",
        anchors="推荐|专供|特供|指定|认可",
        regex=r"国家\w{0,6}(领导人|机关|部委|部门)\w{0,2}(推荐|专供|特供|指定|认可)",
        message="不得使用国家机关或其工作人员的名义作推荐、证明",
        severity=S.BLOCK,
        category=C.AUTHORITY,
        suggestion="删除",
        basis="《广告法》第九条(二)",
    ),
]


def default_terms() -> list[TermSpec]:
    """Every default term with its category, severity, suggestion and basis."""
    out = []
    for category, severity, basis, suggestion, words in GROUPS:
        for word in words:
            parts = word.split("|")
            out.append(
                TermSpec(
                    term=parts[0],
                    category=category,
                    severity=parts[2] if len(parts) > 2 else severity,
                    suggestion=parts[1] if len(parts) > 1 else suggestion,
                    basis=basis,
                )
            )
    return out
