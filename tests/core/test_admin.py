from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from tests import factories


@pytest.mark.django_db
def test_every_admin_changelist_and_change_page_renders(org: Any, agent: Any) -> None:
    case = factories.make_case(org)
    factories.make_commitment(case, agent)
    superuser = get_user_model().objects.create_superuser("root", "root@x.test", "pw-123456")
    client = Client()
    client.force_login(superuser)
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        response = client.get(reverse("admin:{}_{}_changelist".format(*info)))
        assert response.status_code == 200, info
        obj = model._default_manager.first()
        if obj is not None:
            response = client.get(reverse("admin:{}_{}_change".format(*info), args=[obj.pk]))
            assert response.status_code == 200, info


@pytest.mark.django_db
def test_staff_members_cannot_use_the_django_admin(agent: Any) -> None:
    client = Client()
    client.force_login(agent)
    response = client.get("/admin/")
    assert response.status_code == 302
