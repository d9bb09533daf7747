"""The storage of static files: once `sayso collectstatic` has run, content-hashed names and
pre-compressed copies (WhiteNoise's ``CompressedManifestStaticFilesStorage``); before that (a
checkout, the tests) the files' own names, served from the apps (settings.STATIC_COLLECTED)."""

from __future__ import annotations

from whitenoise.storage import CompressedManifestStaticFilesStorage


class CollectedStaticFiles(CompressedManifestStaticFilesStorage):
    """Hashed names from the manifest when there is one; a file's own name when there is no
    manifest yet or the manifest predates the file (rather than failing the page)."""

    manifest_strict = False
    # Vendored minified scripts name source maps that are not shipped (Chart.js): their
    # references are left as they are instead of failing collectstatic.
    patterns = tuple(
        (kind, tuple(p for p in found if "sourceMappingURL" not in str(p)))
        for kind, found in CompressedManifestStaticFilesStorage.patterns
    )

    def stored_name(self, name: str) -> str:
        if not self.hashed_files:
            return name
        try:
            return str(super().stored_name(name))
        except ValueError:  # not collected yet
            return name
