"""Every write to surveys: questionnaires (versioned), invitations (sent once), responses (one
per invitation) with low-score alerts, and the third-party ratings import (all or nothing)."""

import csv
import datetime as dt
import io
import uuid
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from dealercare.core.audit import audit_log_write
from dealercare.core.links import customer_link_read, customer_link_token, customer_link_url
from dealercare.core.models import AuditLog
from dealercare.notifications.services import message_send
from dealercare.org.models import Store

from .errors import (
    AlreadyAnswered,
    ImportRejected,
    InvalidAnswer,
    InvitationExpired,
)
from .models import Answer, Invitation, Item, Questionnaire, Response, ThirdPartyRating
from .scoring import response_csi

LINK_PURPOSE = "survey"
# How long after delivery the survey SMS goes out (default: the next day).
INVITATION_DELAY = dt.timedelta(hours=settings.SURVEY_INVITATION_DELAY_HOURS)
INVITATION_VALID = dt.timedelta(days=14)
# A response below any of these raises an alert and a complaint draft.
LOW_ITEM_SHARE = Decimal("0.4")  # ≤ 2 of 5
LOW_RECOMMEND = 6
LOW_CSI = Decimal("80")
DIMENSION_TO_CATEGORY = {
    "attitude": "attitude",
    "efficiency": "waiting_time",
    "quality": "repair_quality",
    "environment": "environment",
    "price_transparency": "price_transparency",
}


# -- questionnaires -------------------------------------------------------------------------
@transaction.atomic
def questionnaire_create(
    *, actor, code: str, name: str, kind: str, items: list[dict], store=None
) -> Questionnaire:
    latest = (
        Questionnaire.objects.select_for_update().filter(code=code).order_by("-version").first()
    )
    if latest is not None and latest.store_id != getattr(store, "pk", None):
        # A code is one questionnaire's versions: a store cannot version (and, by activating,
        # retire) the group's questionnaire or another store's.
        raise InvalidAnswer(
            "该代码已被其他问卷使用。", "This code belongs to another questionnaire.", field="code"
        )
    version = (latest.version if latest else 0) + 1
    questionnaire = Questionnaire.objects.create(
        code=code, version=version, name=name, kind=kind, store=store
    )
    _items_save(questionnaire, items)
    audit_log_write(actor=actor, action=AuditLog.Action.CREATE, obj=questionnaire, store=store)
    return questionnaire


def _items_save(questionnaire: Questionnaire, items: list[dict]) -> None:
    if not items:
        raise InvalidAnswer(
            "问卷至少需要一道题。", "A questionnaire needs at least one item.", field="items"
        )
    rows = []
    for position, item in enumerate(items, start=1):
        if item["item_type"] in {"single", "multiple"} and not item.get("options"):
            raise InvalidAnswer(
                f"第 {position} 题需要选项。", f"Item {position} needs options.", field="items"
            )
        rows.append(
            Item(
                questionnaire=questionnaire,
                position=position,
                text=item["text"],
                item_type=item["item_type"],
                weight=Decimal(str(item.get("weight", 1))),
                dimension=item.get("dimension") or "",
                options=item.get("options") or [],
                required=item.get("required", True),
            )
        )
    Item.objects.bulk_create(rows)


@transaction.atomic
def questionnaire_revise(
    *, questionnaire: Questionnaire, actor, items: list[dict], name: str | None = None
) -> Questionnaire:
    """A draft is edited in place; a questionnaire that was used gets a new version."""
    if questionnaire.status == Questionnaire.Status.DRAFT and not questionnaire.responses.exists():
        questionnaire.items.all().delete()
        _items_save(questionnaire, items)
        return questionnaire
    return questionnaire_create(
        actor=actor,
        code=questionnaire.code,
        name=name or questionnaire.name,
        kind=questionnaire.kind,
        items=items,
        store=questionnaire.store,
    )


@transaction.atomic
def questionnaire_activate(*, questionnaire: Questionnaire, actor) -> Questionnaire:
    Questionnaire.objects.filter(
        code=questionnaire.code, status=Questionnaire.Status.ACTIVE
    ).exclude(pk=questionnaire.pk).update(status=Questionnaire.Status.RETIRED)
    Questionnaire.objects.filter(pk=questionnaire.pk).update(status=Questionnaire.Status.ACTIVE)
    questionnaire.refresh_from_db()
    return questionnaire


def active_questionnaire(store: Store, kind: str = Questionnaire.Kind.CSI) -> Questionnaire | None:
    """The store's own active questionnaire of the kind, else the group's."""
    active = Questionnaire.objects.filter(kind=kind, status=Questionnaire.Status.ACTIVE)
    return (
        active.filter(store=store).order_by("-version").first()
        or active.filter(store__isnull=True).order_by("-version").first()
    )


# -- invitations ----------------------------------------------------------------------------
def invitation_link_path(invitation: Invitation) -> str:
    token = customer_link_token(purpose=LINK_PURPOSE, object_id=invitation.pk)
    return reverse("surveys_public:answer", args=[token])


def invitation_link(invitation: Invitation) -> str:
    return customer_link_url(invitation_link_path(invitation))


def invitation_create(
    *,
    store: Store,
    customer,
    channel: str,
    questionnaire: Questionnaire | None = None,
    repair_order=None,
    send_after: dt.datetime | None = None,
    source_key: str | None = None,
) -> Invitation:
    """An invitation (idempotent on its source key: a delivery gets one SMS invitation)."""
    now = timezone.now()
    questionnaire = questionnaire or active_questionnaire(store)
    if questionnaire is None:
        raise InvalidAnswer(
            "没有可用的问卷。", "No active questionnaire.", field="questionnaire_id"
        )
    send_after = send_after or now
    # Without a source key every call is a new invitation (a timestamp is not unique: two calls
    # in the same microsecond would silently share one invitation).
    key = source_key or f"{channel}:{customer.pk}:{uuid.uuid4().hex}"
    invitation, _ = Invitation.objects.get_or_create(
        source_key=key,
        defaults={
            "store": store,
            "questionnaire": questionnaire,
            "customer": customer,
            "repair_order": repair_order,
            "channel": channel,
            "send_after": send_after,
            "expires_at": send_after + INVITATION_VALID,
            "advisor_id": getattr(repair_order, "advisor_id", None),
        },
    )
    return invitation


def invitations_send_due(*, now: dt.datetime | None = None) -> int:
    """Send the SMS invitations that are due (the day after delivery by default), once each."""
    now = now or timezone.now()
    sent = 0
    due = Invitation.objects.filter(
        channel=Invitation.Channel.SMS_LINK,
        sent_at__isnull=True,
        send_after__lte=now,
        expires_at__gt=now,
        response__isnull=True,
    ).select_related("store", "customer")
    # Materialised first: the loop writes to the rows it reads (no cursor over a changing table).
    for invitation in list(due):
        with transaction.atomic():
            if not Invitation.objects.filter(pk=invitation.pk, sent_at__isnull=True).update(
                sent_at=now
            ):
                continue
            message_send(
                store=invitation.store,
                customer=invitation.customer,
                channel="outbox",
                recipient=invitation.customer.mobile,
                template="survey_invitation",
                language=invitation.customer.language,
                idempotency_key=f"survey:{invitation.pk}",
                context={
                    "store": invitation.store,
                    "customer_name": invitation.customer.name,
                    "link": invitation_link(invitation),
                },
            )
            sent += 1
    return sent


def invitation_from_token(token: str) -> Invitation:
    invitation_id = customer_link_read(
        purpose=LINK_PURPOSE, token=token, max_age=INVITATION_VALID + INVITATION_DELAY * 30
    )
    invitation = (
        Invitation.objects.select_related("questionnaire", "store", "customer")
        .filter(pk=invitation_id)
        .first()
    )
    if invitation is None:
        from dealercare.core.links import LinkInvalid

        raise LinkInvalid("链接无效。", "This link is not valid.")
    if hasattr(invitation, "response"):
        raise AlreadyAnswered()
    if invitation.expires_at <= timezone.now():
        raise InvitationExpired()
    return invitation


# -- responses ------------------------------------------------------------------------------
def _validated_answers(questionnaire: Questionnaire, raw: dict) -> list[Answer]:
    answers = []
    for item in questionnaire.items.all():
        value = raw.get(str(item.pk), raw.get(item.pk))
        if value in (None, "", []):
            if item.required:
                raise InvalidAnswer(
                    f"请回答第 {item.position} 题。",
                    f"Answer item {item.position}.",
                    field=f"item_{item.pk}",
                )
            continue
        answer = Answer(item=item)
        if item.item_type in {Item.Type.SCALE5, Item.Type.SCALE10, Item.Type.RECOMMEND}:
            low = 0 if item.item_type == Item.Type.RECOMMEND else 1
            try:
                score = int(value)
            except (TypeError, ValueError):
                score = -1
            if not low <= score <= item.max_score:
                raise InvalidAnswer(
                    f"第 {item.position} 题的分数应为 {low}–{item.max_score}。",
                    f"Item {item.position} takes {low}–{item.max_score}.",
                    field=f"item_{item.pk}",
                )
            answer.score = score
        elif item.item_type in {Item.Type.SINGLE, Item.Type.MULTIPLE}:
            chosen = value if isinstance(value, list) else [value]
            if any(choice not in item.options for choice in chosen) or (
                item.item_type == Item.Type.SINGLE and len(chosen) != 1
            ):
                raise InvalidAnswer(
                    f"第 {item.position} 题的选项无效。",
                    f"Item {item.position}: invalid choice.",
                    field=f"item_{item.pk}",
                )
            answer.choices = chosen
        else:
            answer.text = str(value).strip()[:4000]
        answers.append(answer)
    return answers


@transaction.atomic
def response_submit(
    *,
    invitation: Invitation,
    answers: dict,
    channel: str | None = None,
    recorded_by=None,
    at: dt.datetime | None = None,
) -> Response:
    """Store one response (a second one, even at the same moment, is refused with 409), its
    CSI and recommend score, and raise the alert for a low score."""
    at = at or timezone.now()
    questionnaire = invitation.questionnaire
    rows = _validated_answers(questionnaire, answers)
    scored = [
        (a.item.weight, a.score, a.item.max_score)
        for a in rows
        if a.item.scored and a.score is not None
    ]
    recommend = next((a.score for a in rows if a.item.item_type == Item.Type.RECOMMEND), None)
    csi = response_csi(scored)
    low_items = [
        a
        for a in rows
        if a.item.scored
        and a.score is not None
        and Decimal(a.score) / Decimal(a.item.max_score) <= LOW_ITEM_SHARE
    ]
    below = (
        bool(low_items)
        or (recommend is not None and recommend <= LOW_RECOMMEND)
        or (csi is not None and csi < LOW_CSI)
    )
    local = at.astimezone(ZoneInfo(invitation.store.time_zone))  # the store-local month
    try:
        with transaction.atomic():
            response = Response.objects.create(
                invitation=invitation,
                store=invitation.store,
                questionnaire=questionnaire,
                channel=channel or invitation.channel,
                advisor_id=invitation.advisor_id,
                submitted_at=at,
                month=local.date().replace(day=1),
                csi=csi,
                recommend=recommend,
                below_threshold=below,
                recorded_by=recorded_by,
            )
    except IntegrityError as exc:
        raise AlreadyAnswered() from exc
    for answer in rows:
        answer.response = response
    Answer.objects.bulk_create(rows)
    if below:
        _low_score_alert(response, low_items, recommend, csi)
    return response


def _low_score_alert(response: Response, low_items, recommend, csi) -> None:
    """Tell the store's CS managers and open a complaint draft linked to the survey."""
    from django.contrib.auth.models import User

    from dealercare.complaints.models import Complaint
    from dealercare.complaints.services import complaint_register

    invitation = response.invitation
    reasons = [f"{a.item.text}：{a.score}/{a.item.max_score}" for a in low_items]
    if recommend is not None and recommend <= LOW_RECOMMEND:
        reasons.append(f"推荐意愿 {recommend}/10")
    if csi is not None and csi < LOW_CSI:
        reasons.append(f"CSI {csi}")
    lowest = (
        min(low_items, key=lambda a: Decimal(a.score) / Decimal(a.item.max_score))
        if low_items
        else None
    )
    category = DIMENSION_TO_CATEGORY.get(lowest.item.dimension, "other") if lowest else "other"
    complaint_register(
        actor=None,
        store=invitation.store,
        customer=invitation.customer,
        vehicle=getattr(invitation.repair_order, "vehicle", None),
        repair_order=invitation.repair_order,
        source=Complaint.Source.SURVEY,
        category=category,
        description="满意度调查低分：" + "；".join(reasons),
    )
    for manager in User.objects.filter(
        is_active=True, groups__name="cs_manager", staff_profile__store=invitation.store
    ):
        message_send(
            store=invitation.store,
            channel="outbox",
            recipient=f"{manager.staff_profile.display_name}（{manager.get_username()}）",
            template="survey_low_score",
            idempotency_key=f"survey-low:{response.pk}:{manager.pk}",
            context={
                "store": invitation.store,
                "customer_name": invitation.customer.name,
                "reasons": "；".join(reasons),
            },
        )


# -- third-party ratings --------------------------------------------------------------------
IMPORT_COLUMNS = ["date", "platform", "store", "rating", "text", "plate"]
PLATFORM_WORDS = {"汽车之家": "autohome", "懂车帝": "dongchedi", "大众点评": "dianping"}


def ratings_parse(content: bytes, filename: str, *, actor) -> list[ThirdPartyRating]:
    """Read a CSV or Excel file (date, platform, store, rating, text, plate); any bad row
    rejects the whole file with every problem listed (row and column)."""
    from dealercare.org.selectors import store_list

    rows = _table_rows(content, filename)
    stores = {s.code: s for s in store_list(actor=actor)}
    errors, ratings = [], []

    def bad(row, column, zh, en):
        errors.append({"row": row, "column": column, "message_zh": zh, "message_en": en})

    for number, row in rows:
        cells = dict(
            zip(
                IMPORT_COLUMNS,
                [str(c).strip() if c is not None else "" for c in row] + [""] * 6,
                strict=False,
            )
        )
        try:
            day = dt.date.fromisoformat(cells["date"][:10])
        except ValueError:
            bad(number, "date", "日期应为 YYYY-MM-DD", "date must be YYYY-MM-DD")
            day = None
        platform = PLATFORM_WORDS.get(cells["platform"], cells["platform"])
        if platform not in ThirdPartyRating.Platform.values:
            bad(number, "platform", "未知平台", "unknown platform")
        store = stores.get(cells["store"])
        if store is None:
            bad(number, "store", "门店代码不存在或无权限", "unknown store code")
        try:
            rating = Decimal(cells["rating"])
            if not Decimal("0") <= rating <= Decimal("5"):
                raise InvalidOperation
        except InvalidOperation:
            bad(number, "rating", "评分应为 0–5", "rating must be 0–5")
            rating = None
        if not errors:
            ratings.append(
                ThirdPartyRating(
                    store=store,
                    platform=platform,
                    rated_on=day,
                    rating=rating,
                    text=cells["text"][:4000],
                    plate=cells["plate"][:8],
                    imported_by=actor,
                )
            )
    if errors:
        raise ImportRejected(errors)
    if not ratings:
        raise ImportRejected(
            [
                {
                    "row": 1,
                    "column": "file",
                    "message_zh": "文件中没有数据",
                    "message_en": "the file has no rows",
                }
            ]
        )
    return ratings


def _table_rows(content: bytes, filename: str) -> list[tuple[int, list]]:
    if filename.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(io.BytesIO(content), read_only=True).active
        except Exception as exc:  # openpyxl raises many kinds for a broken file
            raise ImportRejected(
                [
                    {
                        "row": 1,
                        "column": "file",
                        "message_zh": "无法读取 Excel 文件",
                        "message_en": "not a readable Excel file",
                    }
                ]
            ) from exc
        rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    else:
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ImportRejected(
                [
                    {
                        "row": 1,
                        "column": "file",
                        "message_zh": "文件须为 UTF-8 编码",
                        "message_en": "the file must be UTF-8",
                    }
                ]
            ) from exc
        rows = list(csv.reader(io.StringIO(text)))
    numbered = [(n, r) for n, r in enumerate(rows, start=1) if any(str(c or "").strip() for c in r)]
    if numbered and str(numbered[0][1][0] or "").strip().lower() in {"date", "日期"}:
        numbered = numbered[1:]
    return numbered


@transaction.atomic
def ratings_import(*, content: bytes, filename: str, actor) -> int:
    ratings = ratings_parse(content, filename, actor=actor)
    ThirdPartyRating.objects.bulk_create(ratings)
    return len(ratings)
