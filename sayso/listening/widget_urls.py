"""Public URLs of the feedback widget (built in ``widget_views``): the script any site embeds,
and the endpoint its form posts to."""

from __future__ import annotations

from django.urls import URLPattern, path

from sayso.listening import widget_views

urlpatterns: list[URLPattern] = [
    path("widget.js", widget_views.widget_script, name="widget-script"),
    path("o/<slug:org>/widget/messages", widget_views.widget_message, name="widget-message"),
]
