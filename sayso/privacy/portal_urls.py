"""Portal routes (under /o/<org>/): "what you know about me", its export and erasure, and the
erasure receipt."""

from django.urls import path

from sayso.privacy import views

urlpatterns = [
    path("my/data/", views.my_data, name="privacy-my-data"),
    path("my/data/export/", views.my_data_export, name="privacy-my-data-export"),
    path(
        "my/data/exports/<int:pk>/",
        views.my_data_export_download,
        name="privacy-my-data-export-download",
    ),
    path("my/data/name/", views.my_data_name, name="privacy-my-data-name"),
    path("my/data/erase/", views.my_data_erase, name="privacy-my-data-erase"),
    path("my/data/erase/cancel/", views.my_data_erase_cancel, name="privacy-my-data-erase-cancel"),
    path(
        "erasure-receipts/<uuid:receipt_id>/",
        views.erasure_receipt,
        name="privacy-erasure-receipt",
    ),
]
