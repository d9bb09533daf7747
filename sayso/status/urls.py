"""The public status page under ``/o/<org>/status/``, with the team's tools on the same pages
for signed-in staff (each POST checks the role)."""

from django.urls import path

from sayso.status import feeds, views

urlpatterns = [
    path("status/", views.status_page, name="status"),
    path("status/feed/", feeds.StatusFeed(), name="status-feed"),
    path("status/follow/", views.status_follow, name="status-follow"),
    path("status/incidents/", views.incident_history, name="incidents"),
    path("status/incidents/new/", views.incident_open, name="incident-open"),
    path("status/incidents/<int:pk>/", views.incident, name="incident"),
    path("status/incidents/<int:pk>/update/", views.incident_update, name="incident-update"),
    path("status/incidents/<int:pk>/edit/", views.incident_edit, name="incident-edit"),
    path(
        "status/incidents/<int:pk>/postmortem/",
        views.incident_postmortem,
        name="incident-postmortem",
    ),
    path("status/incidents/<int:pk>/cases/", views.incident_cases, name="incident-cases"),
    path("status/components/", views.component_create, name="component-create"),
    path("status/components/<int:pk>/", views.component_change, name="component-change"),
    path("status/groups/", views.component_group_create, name="component-group-create"),
    path(
        "status/groups/<int:pk>/delete/",
        views.component_group_delete,
        name="component-group-delete",
    ),
    path("status/maintenance/new/", views.maintenance_schedule, name="maintenance-schedule"),
    path("status/maintenance/<int:pk>/", views.maintenance, name="maintenance"),
    path(
        "status/maintenance/<int:pk>/update/",
        views.maintenance_update,
        name="maintenance-update",
    ),
    # Atlassian Statuspage's public JSON, for the clients that read it (sayso/status/statuspage).
    *(
        path(
            f"status/api/v2/{kind}.json",
            views.statuspage_json,
            {"kind": kind},
            name=f"statuspage-{kind.replace('/', '-')}",
        )
        for kind in (
            "summary",
            "status",
            "components",
            "incidents",
            "incidents/unresolved",
            "scheduled-maintenances",
            "scheduled-maintenances/upcoming",
            "scheduled-maintenances/active",
        )
    ),
]
