"""The checker entry point and every write to an organisation's lexicon."""

from __future__ import annotations

import re
import threading
import uuid
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

from django.db import IntegrityError, connection, models, transaction
from django.db.models import F, QuerySet
from django.utils.translation import gettext_lazy

from mediadesk.compliance import defaults, rules
from mediadesk.compliance.models import Lexicon, Origin, PatternRule, Term, WhitelistEntry
from mediadesk.compliance.rules import Category, Finding, Industry, Severity
from mediadesk.core import audit, scopes
from mediadesk.core.errors import PermissionDenied, ValidationError
from mediadesk.orgs.models import Organisation
from mediadesk.orgs.roles import Perm

audit.register_actions(
    {
        "compliance.term_create": gettext_lazy("新增敏感词"),
        "compliance.term_update": gettext_lazy("修改敏感词"),
        "compliance.whitelist_create": gettext_lazy("新增白名单词"),
        "compliance.whitelist_update": gettext_lazy("修改白名单词"),
        "compliance.pattern_create": gettext_lazy("新增合规规则"),
        "compliance.pattern_update": gettext_lazy("修改合规规则"),
        "compliance.import": gettext_lazy("导入合规词库"),
    }
)

__all__ = ["Finding", "check_text", "has_block"]

# Compiled lexicons per (organisation id, version stamp): each version compiles once per process.
_CACHE: OrderedDict[tuple[int, uuid.UUID], rules.Lexicon] = OrderedDict()
_CACHE_SIZE = 16
_LOCK = threading.Lock()


@cache
def default_lexicon() -> rules.Lexicon:
    """The shipped lexicon, compiled once per process (no database)."""
    return rules.build_lexicon(defaults.default_terms(), defaults.WHITELIST, defaults.PATTERNS)


def _org_id(organisation: Organisation | int) -> int:
    return organisation if isinstance(organisation, int) else organisation.pk


def _seed_missing(organisation_id: int) -> None:
    """Add default rows the organisation does not have yet (matched by normalised key/code)."""
    have_terms = set(
        Term.objects.filter(organisation_id=organisation_id).values_list("key", flat=True)
    )
    have_allow = set(
        WhitelistEntry.objects.filter(organisation_id=organisation_id).values_list("key", flat=True)
    )
    have_codes = set(
        PatternRule.objects.filter(organisation_id=organisation_id).values_list("code", flat=True)
    )
    terms: dict[str, Term] = {}
    for spec in defaults.default_terms():
        key = rules.normalise(spec.term)
        if key not in have_terms and key not in terms:
            terms[key] = Term(
                organisation_id=organisation_id, term=spec.term, key=key, category=spec.category,
                severity=spec.severity, suggestion=spec.suggestion, basis=spec.basis,
                origin=Origin.DEFAULT,
            )  # fmt: skip
    Term.objects.bulk_create(terms.values())
    allow = {
        rules.normalise(p): p for p in defaults.WHITELIST if rules.normalise(p) not in have_allow
    }
    WhitelistEntry.objects.bulk_create(
        WhitelistEntry(organisation_id=organisation_id, phrase=p, key=k, origin=Origin.DEFAULT)
        for k, p in allow.items()
    )
    PatternRule.objects.bulk_create(
        PatternRule(organisation_id=organisation_id, origin=Origin.DEFAULT, **_pattern_fields(p))
        for p in defaults.PATTERNS
        if p.code not in have_codes
    )


def _pattern_fields(spec: rules.PatternSpec) -> dict[str, str]:
    return {
        "code": spec.code, "regex": spec.regex, "absent": spec.absent, "anchors": spec.anchors, "message": spec.message,
        "category": spec.category, "severity": spec.severity, "suggestion": spec.suggestion,
        "basis": spec.basis, "platform": spec.platform, "industry": spec.industry,
    }  # fmt: skip


def _current_stamp(org_id: int) -> uuid.UUID | None:
    """The lexicon's stamp in one plain query (the ORM's query building cost more than the
    rest of a check); None when the head is missing or its defaults are behind."""
    table = connection.ops.quote_name(Lexicon._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT stamp, defaults_revision FROM {table} WHERE organisation_id = %s",  # noqa: S608
            [org_id],
        )
        row = cursor.fetchone()
    if row is None or row[1] < defaults.REVISION:
        return None
    return row[0] if isinstance(row[0], uuid.UUID) else uuid.UUID(str(row[0]))


def _head_state(org_id: int) -> tuple[int, uuid.UUID]:
    """(version, stamp) of the organisation's lexicon, seeding the default rows on first use
    and when the shipped defaults gained rows since."""
    found = (
        Lexicon.objects.filter(organisation_id=org_id)
        .values_list("version", "stamp", "defaults_revision")
        .first()
    )
    if found is not None and found[2] >= defaults.REVISION:
        return found[0], found[1]
    try:
        with transaction.atomic():
            head, _ = Lexicon.objects.select_for_update().get_or_create(organisation_id=org_id)
            if head.defaults_revision < defaults.REVISION:
                _seed_missing(org_id)
                head.defaults_revision = defaults.REVISION
                head.version = F("version") + 1
                head.stamp = uuid.uuid4()
                head.save(update_fields=["defaults_revision", "version", "stamp", "updated_at"])
                head.refresh_from_db(fields=["version"])
            return head.version, head.stamp
    except IntegrityError:
        # Another process created the head at the same moment; it seeds, we read.
        head = Lexicon.objects.get(organisation_id=org_id)
        return head.version, head.stamp


def lexicon_version(organisation: Organisation | int) -> int:
    """The organisation's lexicon version (seeding the default lexicon on first use)."""
    return _head_state(_org_id(organisation))[0]


def _build(organisation_id: int) -> rules.Lexicon:
    terms = [
        rules.TermSpec(t.term, t.category, t.severity, t.suggestion, t.basis)
        for t in Term.objects.filter(organisation_id=organisation_id, is_active=True).only(
            "term", "category", "severity", "suggestion", "basis"
        )
    ]
    allow = WhitelistEntry.objects.filter(organisation_id=organisation_id, is_active=True)
    patterns = [
        rules.PatternSpec(
            code=p.code,
            regex=p.regex,
            message=p.message,
            severity=p.severity,
            category=p.category,
            suggestion=p.suggestion,
            basis=p.basis,
            absent=p.absent,
            anchors=p.anchors,
            platform=p.platform,
            industry=p.industry,
        )
        for p in PatternRule.objects.filter(organisation_id=organisation_id, is_active=True)
    ]
    return rules.build_lexicon(terms, allow.values_list("phrase", flat=True), patterns)


def compiled_lexicon(organisation: Organisation | int | None) -> rules.Lexicon:
    """The compiled lexicon of an organisation (the default one for None), built once per
    lexicon version and process."""
    if organisation is None:
        return default_lexicon()
    org_id = _org_id(organisation)
    key = (org_id, _current_stamp(org_id) or _head_state(org_id)[1])
    with _LOCK:
        found = _CACHE.get(key)
        if found is not None:
            _CACHE.move_to_end(key)
            return found
    built = _build(org_id)
    with _LOCK:
        _CACHE[key] = built
        for old in [k for k in _CACHE if k[0] == org_id and k != key]:
            del _CACHE[old]
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return built


def _title_limit(platform: str | None) -> tuple[int, str] | None:
    if not platform:
        return None
    from mediadesk.matrix.models import Platform

    row = Platform.objects.filter(code=platform).values_list("title_max_len", "name").first()
    if row is None or not row[0]:
        return None
    return row[0], row[1]


def check_text(
    text: str,
    *,
    organisation: Organisation | int | None,
    platform: str | None = None,
    industry: str | None = None,
) -> list[Finding]:
    """Every compliance finding in `text`, sorted by start offset (Python string indices of
    the original text). `organisation=None` checks against the shipped default lexicon."""
    lexicon = compiled_lexicon(organisation)
    return rules.scan(
        lexicon, text, platform=platform, industry=industry, title_limit=_title_limit(platform)
    )


def has_block(findings: Iterable[Finding]) -> bool:
    """True when any finding is `block` (the text may not pass without an override)."""
    return rules.has_block(findings)


# --- lexicon writes --------------------------------------------------------------------------

TERM_FIELDS = ("term", "category", "severity", "suggestion", "basis", "is_active")
WHITELIST_FIELDS = ("phrase", "note", "is_active")
PATTERN_FIELDS = (
    "code", "regex", "absent", "anchors", "message", "category", "severity", "suggestion", "basis",
    "platform", "industry", "is_active",
)  # fmt: skip
# A quantified group that itself ends in a quantifier ((a+)+, (\w*)*) can backtrack for ever.
NESTED_QUANTIFIER = re.compile(r"\((?:[^()\\]|\\.)*[+*}]\)\??[+*{]")


def require_manage(by: Any, organisation: Organisation) -> None:
    """Only the organisation's own compliance managers change its lexicon."""
    scopes.require(scopes.has_perm(by, Perm.COMPLIANCE_MANAGE), "没有维护合规词库的权限")
    if by.organisation_id != organisation.pk:
        raise PermissionDenied("只能维护本组织的词库")


def locked_head(organisation: Organisation) -> Lexicon:
    """The lexicon head, seeded and locked for this transaction (serialises lexicon writes)."""
    lexicon_version(organisation)
    return Lexicon.objects.select_for_update().get(organisation=organisation)


def bump(head: Lexicon) -> int:
    """Bump the locked head's version; returns the new version."""
    Lexicon.objects.filter(pk=head.pk).update(version=F("version") + 1, stamp=uuid.uuid4())
    return head.version + 1


def _others[M: models.Model](qs: QuerySet[M], pk: int | None) -> QuerySet[M]:
    """Rows of `qs` other than the one being edited."""
    return qs.exclude(pk=pk) if pk is not None else qs


def _clean_choice(
    errors: dict[str, str], values: Mapping[str, Any], name: str, choices: Any
) -> None:
    if values.get(name) not in choices.values:
        errors[name] = "取值无效"


def _term_errors(
    organisation: Organisation, values: Mapping[str, Any], pk: int | None
) -> dict[str, str]:
    errors: dict[str, str] = {}
    word = str(values.get("term", "")).strip()
    key = rules.normalise(word)
    if not key:
        errors["term"] = "请填写词语（不能只有空格或标点）"
    elif len(word) > 60:
        errors["term"] = "词语不能超过 60 个字"
    else:
        same = _others(Term.objects.filter(organisation=organisation, key=key), pk).first()
        if same is not None:
            errors["term"] = f"词库中已有“{same.term}”"
        elif WhitelistEntry.objects.filter(
            organisation=organisation, key=key, is_active=True
        ).exists():
            errors["term"] = f"“{word}”在白名单中，加入词库也不会生效；请先停用该白名单词"
    _clean_choice(errors, values, "category", Category)
    _clean_choice(errors, values, "severity", Severity)
    return errors


def _changed(obj: Any, fields: Iterable[str], values: Mapping[str, Any]) -> None:
    for name in fields:
        if name in values:
            value = values[name]
            setattr(obj, name, value.strip() if isinstance(value, str) else value)


def save_term(
    term: Term | None, *, by: Any, organisation: Organisation, values: Mapping[str, Any]
) -> Term:
    """Create (term=None) or change a lexicon term; bumps the lexicon version, audited."""
    require_manage(by, organisation)
    with transaction.atomic():
        head = locked_head(organisation)
        if term is not None:
            term = Term.objects.select_for_update().get(pk=term.pk, organisation=organisation)
        merged = {**({n: getattr(term, n) for n in TERM_FIELDS} if term else {}), **values}
        errors = _term_errors(organisation, merged, term.pk if term else None)
        if errors:
            raise ValidationError(errors)
        before = audit.snapshot(term, TERM_FIELDS) if term else {}
        obj = term or Term(organisation=organisation)
        _changed(obj, TERM_FIELDS, merged)
        obj.key = rules.normalise(obj.term)
        obj.save()
        after = audit.snapshot(obj, TERM_FIELDS)
        changes = audit.diff(before, after) if term else after
        version = bump(head)
        action = "compliance.term_update" if term else "compliance.term_create"
        audit.record(actor=by, action=action, target=obj, changes={**changes, "version": version})
    return obj


def _whitelist_errors(
    organisation: Organisation, values: Mapping[str, Any], pk: int | None
) -> dict[str, str]:
    phrase = str(values.get("phrase", "")).strip()
    key = rules.normalise(phrase)
    if not key:
        return {"phrase": "请填写白名单词（不能只有空格或标点）"}
    if len(phrase) > 60:
        return {"phrase": "白名单词不能超过 60 个字"}
    same = _others(WhitelistEntry.objects.filter(organisation=organisation, key=key), pk).first()
    if same is not None:
        return {"phrase": f"白名单中已有“{same.phrase}”"}
    return {}


def save_whitelist(
    entry: WhitelistEntry | None, *, by: Any, organisation: Organisation, values: Mapping[str, Any]
) -> WhitelistEntry:
    """Create or change a whitelist compound; bumps the lexicon version, audited."""
    require_manage(by, organisation)
    with transaction.atomic():
        head = locked_head(organisation)
        if entry is not None:
            entry = WhitelistEntry.objects.select_for_update().get(
                pk=entry.pk, organisation=organisation
            )
        merged = {**({n: getattr(entry, n) for n in WHITELIST_FIELDS} if entry else {}), **values}
        errors = _whitelist_errors(organisation, merged, entry.pk if entry else None)
        if errors:
            raise ValidationError(errors)
        before = audit.snapshot(entry, WHITELIST_FIELDS) if entry else {}
        obj = entry or WhitelistEntry(organisation=organisation)
        _changed(obj, WHITELIST_FIELDS, merged)
        obj.key = rules.normalise(obj.phrase)
        obj.save()
        after = audit.snapshot(obj, WHITELIST_FIELDS)
        version = bump(head)
        action = "compliance.whitelist_update" if entry else "compliance.whitelist_create"
        changes = audit.diff(before, after) if entry else after
        audit.record(actor=by, action=action, target=obj, changes={**changes, "version": version})
    return obj


def regex_error(regex: str) -> str | None:
    """Why a rule's regular expression cannot be used, or None."""
    try:
        rules.compile_pattern(regex)
    except re.error as exc:
        return f"正则表达式有误：{exc}"
    if NESTED_QUANTIFIER.search(regex):
        return "不支持嵌套的重复（如 (a+)+），这类表达式可能让检查卡死"
    if rules.compile_pattern(regex).search(""):
        return "表达式会匹配空文本，请写出要找的内容"
    return None


def _pattern_errors(
    organisation: Organisation, values: Mapping[str, Any], pk: int | None
) -> dict[str, str]:
    errors: dict[str, str] = {}
    code = str(values.get("code", "")).strip()
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,39}", code):
        errors["code"] = "规则代码只能用小写字母、数字和连字符（最多 40 个）"
    elif _others(PatternRule.objects.filter(organisation=organisation, code=code), pk).exists():
        errors["code"] = "已有同代码的规则"
    for name in ("regex", "absent"):
        text = str(values.get(name) or "")
        problem = regex_error(text) if text or name == "regex" else None
        if problem:
            errors[name] = problem
    if not str(values.get("message", "")).strip():
        errors["message"] = "请填写提示信息"
    _clean_choice(errors, values, "category", Category)
    _clean_choice(errors, values, "severity", Severity)
    if values.get("industry") and values["industry"] not in Industry.values:
        errors["industry"] = "未知的行业"
    platform = values.get("platform")
    if platform:
        from mediadesk.matrix.models import Platform

        if not Platform.objects.filter(code=platform).exists():
            errors["platform"] = "未知的平台代码"
    return errors


def save_pattern(
    rule: PatternRule | None, *, by: Any, organisation: Organisation, values: Mapping[str, Any]
) -> PatternRule:
    """Create or change a pattern rule (regex validated); bumps the lexicon version, audited."""
    require_manage(by, organisation)
    with transaction.atomic():
        head = locked_head(organisation)
        if rule is not None:
            rule = PatternRule.objects.select_for_update().get(
                pk=rule.pk, organisation=organisation
            )
        merged = {**({n: getattr(rule, n) for n in PATTERN_FIELDS} if rule else {}), **values}
        errors = _pattern_errors(organisation, merged, rule.pk if rule else None)
        if errors:
            raise ValidationError(errors)
        before = audit.snapshot(rule, PATTERN_FIELDS) if rule else {}
        obj = rule or PatternRule(organisation=organisation)
        _changed(
            obj,
            PATTERN_FIELDS,
            {
                k: v or "" if k in ("platform", "industry", "absent", "anchors") else v
                for k, v in merged.items()
            },
        )
        obj.save()
        after = audit.snapshot(obj, PATTERN_FIELDS)
        version = bump(head)
        action = "compliance.pattern_update" if rule else "compliance.pattern_create"
        changes = audit.diff(before, after) if rule else after
        audit.record(actor=by, action=action, target=obj, changes={**changes, "version": version})
    return obj
