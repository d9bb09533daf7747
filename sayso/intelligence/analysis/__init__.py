"""Message analysis: sentiment, intents, spam, language and duplicates, as plain Python.

``from sayso.intelligence.analysis import analyze`` — see ``pipeline.py``. Nothing here needs
Django or a database; ``store.py`` is the part that does.
"""

from sayso.intelligence.analysis.duplicates import DuplicateIndex
from sayso.intelligence.analysis.heads import model_version
from sayso.intelligence.analysis.pipeline import Analysis, Item, analyze, as_item

__all__ = ["Analysis", "DuplicateIndex", "Item", "analyze", "as_item", "model_version"]
