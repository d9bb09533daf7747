"""Public URLs of the feedback widget (built in ``widget_views``)."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
