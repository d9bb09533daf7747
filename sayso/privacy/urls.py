"""Staff routes (under /staff/<org>/privacy/)."""

from django.urls import path

from sayso.privacy import staff_exports, views

urlpatterns = [
    path("", views.staff_erasures, name="privacy-staff-erasures"),
    path(
        "customers/<int:pk>/export/",
        staff_exports.staff_customer_export,
        name="privacy-staff-export",
    ),
    path(
        "customers/<int:pk>/exports/<int:export_pk>/",
        staff_exports.staff_export_download,
        name="privacy-staff-export-download",
    ),
    path("customers/<int:pk>/erase/", views.staff_customer_erase, name="privacy-staff-erase"),
    path(
        "erasures/<int:pk>/cancel/", views.staff_erasure_cancel, name="privacy-staff-erasure-cancel"
    ),
]
