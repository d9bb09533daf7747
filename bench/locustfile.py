"""The traffic of bench/load.py (locust): public readers of the idea board, Q&A and status
page, portal customers, agents working the inbox, widget posts and API clients, in the
proportions of a public support site; ``BareUser`` asks only /health/ (the bare view)."""

from __future__ import annotations

import json
import os
import random
import uuid
from pathlib import Path

from locust import HttpUser, between, task

FIXTURE = json.loads(Path(os.environ["SAYSO_LOAD_FIXTURE"]).read_text(encoding="utf-8"))
ORG = FIXTURE["org"]


class Reader(HttpUser):
    """A visitor reading the public pages (most of the traffic)."""

    weight = 10
    wait_time = between(0.2, 1.0)

    @task(4)
    def ideas(self) -> None:
        self.client.get(f"/o/{ORG}/ideas/", name="ideas")

    @task(3)
    def idea(self) -> None:
        if FIXTURE["ideas"]:
            number = random.choice(FIXTURE["ideas"])
            self.client.get(f"/o/{ORG}/ideas/{number}/", name="idea")

    @task(3)
    def questions(self) -> None:
        self.client.get(f"/o/{ORG}/questions/", name="questions")

    @task(3)
    def question(self) -> None:
        if FIXTURE["questions"]:
            number = random.choice(FIXTURE["questions"])
            self.client.get(f"/o/{ORG}/questions/{number}/", name="question")

    @task(2)
    def status(self) -> None:
        self.client.get(f"/o/{ORG}/status/", name="status")

    @task(1)
    def status_json(self) -> None:
        self.client.get(f"/o/{ORG}/status/api/v2/summary.json", name="status-json")


class PortalCustomer(HttpUser):
    """A signed-in customer looking at their cases and the board."""

    weight = 3
    wait_time = between(0.5, 2.0)

    def on_start(self) -> None:
        self.client.cookies.set("sessionid", random.choice(FIXTURE["customer_sessions"]))

    @task(3)
    def my_cases(self) -> None:
        self.client.get(f"/o/{ORG}/cases/", name="portal-cases")

    @task(1)
    def home(self) -> None:
        self.client.get(f"/o/{ORG}/", name="portal-home")


class Agent(HttpUser):
    """Staff working the inbox: the list, a case, the list again."""

    weight = 3
    wait_time = between(0.5, 2.0)

    def on_start(self) -> None:
        self.client.cookies.set("sessionid", random.choice(FIXTURE["agent_sessions"]))

    @task(3)
    def inbox(self) -> None:
        self.client.get(f"/staff/{ORG}/", name="inbox")

    @task(4)
    def case(self) -> None:
        number = random.choice(FIXTURE["cases"])
        self.client.get(f"/staff/{ORG}/cases/{number}/", name="case")


class Widget(HttpUser):
    """The feedback widget on the company's site posting a message."""

    weight = 1
    wait_time = between(1.0, 3.0)

    @task
    def post(self) -> None:
        body = {
            "message": random.choice(
                [
                    "The booking page keeps timing out when I pick a return date.",
                    "Can I change the pick-up depot after paying?",
                    "Great service in Denver yesterday, thanks!",
                ]
            ),
            "email": f"visitor{random.randint(1, 500)}@example.com",
            "page": "https://haulright.example/book",
            "submission_id": uuid.uuid4().hex,
        }
        self.client.post(
            f"/o/{ORG}/widget/messages",
            data=json.dumps(body),
            headers={"Content-Type": "application/json", "Origin": FIXTURE["widget_origin"]},
            name="widget-post",
        )


class ApiClient(HttpUser):
    """An integration reading cases and ideas through the REST API."""

    weight = 1
    wait_time = between(0.5, 2.0)

    def on_start(self) -> None:
        self.client.headers["Authorization"] = f"Bearer {FIXTURE['token']}"

    @task(2)
    def cases(self) -> None:
        self.client.get("/api/v1/cases?limit=20", name="api-cases")

    @task(1)
    def ideas(self) -> None:
        self.client.get("/api/v1/ideas?limit=20", name="api-ideas")


class BareUser(HttpUser):
    """The bare view: /health/ (one database round trip), for the baseline. bench/load.py
    names the classes of each run, so the mix never includes it (and locust refuses to run a
    class of weight 0 even when named)."""

    wait_time = between(0.2, 1.0)

    @task
    def health(self) -> None:
        self.client.get("/health/", name="health")
