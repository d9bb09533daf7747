from django.urls import path

from sayso.customers import views

urlpatterns = [
    path("", views.customer_list, name="customer-list"),
    path("<int:pk>/", views.customer_detail, name="customer-detail"),
    path("<int:pk>/identities/", views.identity_add, name="identity-add"),
    path("<int:pk>/merge/", views.customer_merge, name="customer-merge"),
    path("merges/<int:merge_pk>/undo/", views.customer_unmerge, name="customer-unmerge"),
    path("suggestions/", views.merge_suggestion_list, name="merge-suggestions"),
]
