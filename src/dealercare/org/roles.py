"""Roles are Django groups named by their code (DOMAIN.md), with the permissions each needs."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CS_AGENT = "cs_agent", _("客服专员")
    SERVICE_ADVISOR = "service_advisor", _("服务顾问")
    TECHNICIAN = "technician", _("技师")
    CS_MANAGER = "cs_manager", _("客服经理")
    AFTERSALES_MANAGER = "aftersales_manager", _("售后经理")
    SALES_CONSULTANT = "sales_consultant", _("销售顾问")
    STORE_MANAGER = "store_manager", _("总经理")
    HQ_QUALITY = "hq_quality", _("集团质量部")
    ADMIN = "admin", _("系统管理员")


# Roles that see every store of the group (when not tied to one store).
ALL_STORE_ROLES = {Role.HQ_QUALITY, Role.ADMIN}

_READ_CUSTOMERS = ["customers.view_customer", "customers.view_vehicle"]
_WRITE_CUSTOMERS = [
    "customers.add_customer",
    "customers.change_customer",
    "customers.add_vehicle",
    "customers.change_vehicle",
]
_REVEAL = ["customers.reveal_mobile"]
_OUTBOX = ["notifications.view_message"]
_VIEW_APPOINTMENTS = ["appointments.view_appointment"]
_BOOK = [*_VIEW_APPOINTMENTS, "appointments.add_appointment", "appointments.change_appointment"]
_VIEW_ORDERS = ["workorders.view_repairorder"]
_WORKSHOP = [*_VIEW_ORDERS, "workorders.add_repairorder", "workorders.change_repairorder"]
_VIEW_FOLLOW_UPS = ["followups.view_followuptask"]
_FOLLOW_UP = [*_VIEW_FOLLOW_UPS, "followups.change_followuptask"]
_VIEW_COMPLAINTS = ["complaints.view_complaint"]
_COMPLAINTS = [*_VIEW_COMPLAINTS, "complaints.add_complaint", "complaints.change_complaint"]
_VIEW_SURVEYS = ["surveys.view_response"]
_QUESTIONNAIRES = [
    "surveys.view_questionnaire",
    "surveys.add_questionnaire",
    "surveys.change_questionnaire",
]
_SURVEYS = [
    *_VIEW_SURVEYS,
    "surveys.add_invitation",
    "surveys.add_response",
    "surveys.add_thirdpartyrating",
]
_CONFIGURATION = [
    f"{app}.{verb}_{model}"
    for app, model in [
        ("org", "store"),
        ("org", "department"),
        ("org", "businessperiod"),
        ("org", "storecalendaroverride"),
        ("core", "calendaryear"),
        ("core", "statutoryday"),
        ("appointments", "bay"),
        ("appointments", "bookingpolicy"),
        ("appointments", "servicecapacity"),
        ("appointments", "blockedperiod"),
        ("workorders", "workshoppolicy"),
        ("followups", "followuppolicy"),
        ("complaints", "slapolicy"),
        ("surveys", "questionnaire"),
    ]
    for verb in ("view", "add", "change")
] + ["core.view_auditlog"]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.CS_AGENT: [
        *_SURVEYS,
        *_COMPLAINTS,
        *_READ_CUSTOMERS,
        *_WRITE_CUSTOMERS,
        *_REVEAL,
        *_OUTBOX,
        *_BOOK,
        *_VIEW_ORDERS,
        *_FOLLOW_UP,
    ],
    Role.SERVICE_ADVISOR: [
        *_VIEW_SURVEYS,
        "surveys.add_invitation",
        *_VIEW_COMPLAINTS,
        *_READ_CUSTOMERS,
        *_WRITE_CUSTOMERS,
        *_REVEAL,
        *_OUTBOX,
        *_BOOK,
        *_WORKSHOP,
    ],
    Role.TECHNICIAN: [*_READ_CUSTOMERS, *_VIEW_APPOINTMENTS, *_WORKSHOP],
    Role.CS_MANAGER: [
        *_QUESTIONNAIRES,
        *_SURVEYS,
        *_COMPLAINTS,
        *_READ_CUSTOMERS,
        *_WRITE_CUSTOMERS,
        *_REVEAL,
        *_OUTBOX,
        *_BOOK,
        *_VIEW_ORDERS,
        *_FOLLOW_UP,
    ],
    Role.AFTERSALES_MANAGER: [
        *_VIEW_SURVEYS,
        *_COMPLAINTS,
        *_READ_CUSTOMERS,
        *_WRITE_CUSTOMERS,
        *_OUTBOX,
        *_BOOK,
        *_WORKSHOP,
        *_VIEW_FOLLOW_UPS,
    ],
    Role.SALES_CONSULTANT: [*_READ_CUSTOMERS, *_WRITE_CUSTOMERS, *_REVEAL, *_BOOK],
    Role.STORE_MANAGER: [
        *_VIEW_SURVEYS,
        *_COMPLAINTS,
        *_READ_CUSTOMERS,
        *_REVEAL,
        *_OUTBOX,
        *_VIEW_APPOINTMENTS,
        *_VIEW_ORDERS,
        *_VIEW_FOLLOW_UPS,
    ],
    Role.HQ_QUALITY: [
        *_QUESTIONNAIRES,
        *_SURVEYS,
        *_VIEW_COMPLAINTS,
        *_READ_CUSTOMERS,
        *_OUTBOX,
        *_VIEW_APPOINTMENTS,
        *_VIEW_ORDERS,
        *_VIEW_FOLLOW_UPS,
    ],
    Role.ADMIN: [
        *_SURVEYS,
        *_COMPLAINTS,
        *_READ_CUSTOMERS,
        *_WRITE_CUSTOMERS,
        *_REVEAL,
        *_OUTBOX,
        *_BOOK,
        *_WORKSHOP,
        *_FOLLOW_UP,
        *_CONFIGURATION,
    ],
}


def roles_sync(sender=None, using="default", **kwargs):
    """Create the role groups and (re)assign their permissions; idempotent (post_migrate)."""
    from django.contrib.auth.models import Group, Permission

    for role, codes in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.using(using).get_or_create(name=str(role.value))
        wanted = []
        for code in codes:
            app_label, codename = code.split(".")
            permission = (
                Permission.objects.using(using)
                .filter(content_type__app_label=app_label, codename=codename)
                .first()
            )
            if permission is not None:
                wanted.append(permission)
        group.permissions.set(wanted)
