"""Products and reviews of the company or of a product."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from sayso.community.models.common import TITLE_MAX
from sayso.core.models import Organization, TimeStampedModel
from sayso.customers.models import Customer


class Product(TimeStampedModel):
    """Something of the organization's that customers review on its own."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="products"
    )
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=120)

    class Meta(TimeStampedModel.Meta):
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "slug"], name="product_unique_slug")
        ]

    def __str__(self) -> str:
        return self.name


class Review(TimeStampedModel):
    """A customer's rating (1 to 5) and review of the company (no product) or of a product: one
    per customer and subject, which they can change. Never hidden for being negative."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="reviews")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="reviews")
    product = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.CASCADE, related_name="reviews"
    )
    rating = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=TITLE_MAX, blank=True)
    body = models.TextField(blank=True)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_reason = models.TextField(blank=True)
    reply = models.TextField(blank=True)
    reply_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reply_at = models.DateTimeField(null=True, blank=True)

    class Meta(TimeStampedModel.Meta):
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5), name="review_rating_1_to_5"
            ),
            models.UniqueConstraint(
                fields=["customer"], condition=Q(product__isnull=True), name="review_company_once"
            ),
            models.UniqueConstraint(
                fields=["customer", "product"],
                condition=Q(product__isnull=False),
                name="review_product_once",
            ),
        ]
        indexes = [models.Index(fields=["organization", "product", "hidden_at", "-created_at"])]
