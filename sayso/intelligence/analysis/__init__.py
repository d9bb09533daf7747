"""Message analysis: sentiment, intents, spam, language and duplicates, as plain Python.

``from sayso.intelligence.analysis import analyze`` — see ``pipeline.py``. The pipeline and its
parts need neither Django nor a database; these modules do: ``store`` (the stored analysis of
messages), ``spam_feedback`` (the decisions moderators teach the spam filter), ``spam_filter``
(each organization's filter, trained on them), ``spam_held`` (releasing held posts and their
look-alikes) and ``spam_akismet``.
"""

from sayso.intelligence.analysis.duplicates import DuplicateIndex
from sayso.intelligence.analysis.heads import model_version
from sayso.intelligence.analysis.pipeline import Analysis, Item, analyze, as_item

__all__ = ["Analysis", "DuplicateIndex", "Item", "analyze", "as_item", "model_version"]
