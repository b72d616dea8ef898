"""Every admin page an administrator configures the group from opens; records written by the
services are shown but cannot be added or edited there."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from dealercare.complaints.models import Complaint
from dealercare.core.models import AuditLog
from dealercare.customers.models import Customer


@pytest.fixture
def admin_client(db):
    user = User.objects.create_superuser("root", "root@example.com", "pass-1234")
    client = Client()
    client.force_login(user)
    return client


def test_every_admin_changelist_opens(admin_client, customer_a):
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        assert admin_client.get(url).status_code == 200, url


def test_service_written_records_cannot_be_added_or_edited(admin_client, customer_a):
    for model in (Customer, Complaint, AuditLog):
        meta = model._meta
        assert (
            admin_client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_add")).status_code
            == 403
        )
    change = reverse("admin:customers_customer_change", args=[customer_a.pk])
    response = admin_client.post(change, {"name": "改名"})
    assert response.status_code == 403
    customer_a.refresh_from_db()
    assert customer_a.name == "王芳"
