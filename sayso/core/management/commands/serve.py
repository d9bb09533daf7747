"""`sayso serve`: Sayso's production web server — gunicorn with several worker processes
serving the WSGI application (static files through WhiteNoise).

Any process can serve any request: sessions, the cache and the rate-limit counters live in the
database, so a customer signed in through one worker is signed in on all, and a limit counts
requests whichever worker answered them. `make run` uses it too. SIGHUP reloads the workers
gracefully (new code, same socket); SIGTERM stops after the requests in flight.
"""

from __future__ import annotations

import os
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from gunicorn.app.base import BaseApplication


class _Server(BaseApplication):
    """gunicorn, configured here rather than from a file or its own command line."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in self.cfg.settings and value is not None:
                self.cfg.set(key, value)

    def load(self) -> Any:
        from sayso.wsgi import application

        return application


class Command(BaseCommand):
    help = "Serve Sayso with a production server (gunicorn, several worker processes)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--bind",
            default=os.environ.get("SAYSO_BIND", "127.0.0.1:8000"),
            help="host:port or unix:/path (default 127.0.0.1:8000; SAYSO_BIND).",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("SAYSO_WEB_WORKERS", "2")),
            help="Worker processes (default 2; SAYSO_WEB_WORKERS). Each holds ~320 MB once "
            "it has loaded the language model.",
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=int(os.environ.get("SAYSO_WEB_THREADS", "1")),
            help="Threads per worker (default 1; more suit slow clients, not the CPU).",
        )
        parser.add_argument(
            "--timeout",
            type=int,
            default=int(os.environ.get("SAYSO_WEB_TIMEOUT", "60")),
            help="Seconds a request may take before its worker is restarted (default 60).",
        )
        parser.add_argument(
            "--access-log",
            default=os.environ.get("SAYSO_ACCESS_LOG", "-"),
            help="Where the access log goes ('-' standard output, the default; '' none).",
        )
        parser.add_argument(
            "--pid", default=os.environ.get("SAYSO_PID_FILE"), help="Write the PID here."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["workers"] < 1 or options["threads"] < 1:
            raise CommandError("--workers and --threads must be at least 1.")
        forwarded = "127.0.0.1,::1" if settings.SAYSO_TRUSTED_PROXY_COUNT else ""
        _Server(
            {
                "bind": [options["bind"]],
                "workers": options["workers"],
                "threads": options["threads"],
                "timeout": options["timeout"],
                "graceful_timeout": 30,
                "keepalive": 5,
                # A worker is replaced after this many requests (with jitter, not all at once):
                # whatever a long-lived process accumulates is given back.
                "max_requests": 5000,
                "max_requests_jitter": 500,
                "accesslog": options["access_log"] or None,
                "errorlog": "-",
                "pidfile": options["pid"],
                "proc_name": "sayso",
                # Behind a proxy on this machine, trust its X-Forwarded-Proto (Django reads
                # it only when SAYSO_SECURE_PROXY_SSL_HEADER is set).
                "forwarded_allow_ips": forwarded or "127.0.0.1",
            }
        ).run()
