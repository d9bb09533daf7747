"""`sayso embeddings`: the embedding model from the command line.

sayso embeddings prepare     export the fast int8 model now (else on first use) and print its path
sayso embeddings evaluate    compare a backend with the fp32 reference (cosine, recall@10, speed)
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sayso.intelligence import embeddings
from sayso.intelligence.embeddings import int8 as embeddings_int8
from sayso.intelligence.training import evaluate_embeddings


class Command(BaseCommand):
    help = "Prepare or evaluate the sentence-embedding model."

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("prepare", help="Export the int8 model if it is not cached yet.")
        evaluate = actions.add_parser("evaluate", help="Compare a backend with fp32.")
        evaluate.add_argument("--backend", default="int8", choices=embeddings.BACKENDS)
        evaluate.add_argument("--limit", type=int, default=None, help="texts per set")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "prepare":
            if embeddings.default_backend() != "int8":
                self.stdout.write(f"The {embeddings.default_backend()} backend needs no export.")
                return
            try:
                path = embeddings_int8.prepare()
            except OSError as error:
                raise CommandError(f"Cannot write the model cache: {error}") from error
            self.stdout.write(str(path))
            return
        argv = ["--backend", options["backend"]]
        if options.get("limit"):
            argv += ["--limit", str(options["limit"])]
        evaluate_embeddings.main(argv, out=self.stdout)
