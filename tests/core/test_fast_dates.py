"""The fast date filters give what Django's ``date`` filter gives, in every time zone and
language (sayso/core/templatetags/fast_dates.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

WHEN = [
    datetime(2026, 1, 1, 0, 5, tzinfo=UTC),
    datetime(2026, 3, 29, 1, 30, tzinfo=UTC),  # a daylight-saving change in Europe
    datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC),
    datetime(2025, 7, 4, 12, 0, tzinfo=UTC) + timedelta(microseconds=123456),
]
PAIRS = [
    ('{{ v|date:"M j H:i" }}', "{{ v|month_day_time }}"),
    ('{{ v|date:"M j, Y H:i" }}', "{{ v|month_day_year_time }}"),
    ('{{ v|date:"c" }}', "{{ v|iso_datetime }}"),
]


@pytest.mark.parametrize("zone", ["UTC", "America/Denver", "Europe/Berlin", "Asia/Kolkata"])
@pytest.mark.parametrize("language", ["en-us", "de", "fr"])
def test_fast_filters_match_djangos_date_filter(zone: str, language: str) -> None:
    with timezone.override(zone), translation.override(language):
        for django_form, fast_form in PAIRS:
            django_template = Template(django_form)
            fast_template = Template("{% load fast_dates %}" + fast_form)
            for value in WHEN:
                context = Context({"v": value})
                assert fast_template.render(context) == django_template.render(context)


def test_fast_filters_leave_a_missing_value_empty() -> None:
    for _, fast_form in PAIRS:
        assert Template("{% load fast_dates %}" + fast_form).render(Context({"v": None})) == ""
