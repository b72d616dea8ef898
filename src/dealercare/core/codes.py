"""Codes shared by several apps (DOMAIN.md, Codes table): one concept, one name."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ServiceType(models.TextChoices):
    """What a visit is for: an appointment's `service_type`, a repair order's `job_type`."""

    MAINTENANCE = "maintenance", _("保养")
    REPAIR = "repair", _("维修")
    INSURANCE = "insurance", _("保险理赔")
    WARRANTY = "warranty", _("索赔")
    INTERNAL = "internal", _("内部")
