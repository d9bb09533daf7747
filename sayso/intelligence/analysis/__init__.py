"""Message analysis: sentiment, intents, spam, language and duplicates, as plain Python.

``from sayso.intelligence.analysis import analyze`` — see ``pipeline.py``. The pipeline and its
parts need neither Django nor a database; three modules do: ``store`` (the stored analysis of
messages), ``spam_feedback`` (the spam filter moderators teach) and ``spam_akismet``.
"""

from sayso.intelligence.analysis.duplicates import DuplicateIndex
from sayso.intelligence.analysis.heads import model_version
from sayso.intelligence.analysis.pipeline import Analysis, Item, analyze, as_item

__all__ = ["Analysis", "DuplicateIndex", "Item", "analyze", "as_item", "model_version"]
