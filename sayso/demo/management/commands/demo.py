"""`sayso demo`: load the demo organization (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from sayso.demo.data import demo_password, load_demo


class Command(BaseCommand):
    help = "Load the Haulright Truck Rental demo organization (does nothing if it exists)."

    def handle(self, *args: Any, **options: Any) -> None:
        result = load_demo()
        org = result.organization
        if result.created:
            self.stdout.write(self.style.SUCCESS(f"Loaded the demo organization “{org.name}”."))
        else:
            self.stdout.write(f"The demo organization “{org.name}” is already loaded.")
        self.stdout.write("Staff sign-in: http://127.0.0.1:8000/staff/login/")
        for username, role, team in result.accounts:
            where = f", {team}" if team else ""
            self.stdout.write(f"  {username:<8} ({role}{where})")
        self.stdout.write(
            "  password: the value of SAYSO_DEMO_PASSWORD when the demo was loaded "
            f"(default “{demo_password()}”)"
        )
        self.stdout.write(f"Customer portal: http://127.0.0.1:8000/o/{org.slug}/")
