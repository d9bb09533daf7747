"""Training and evaluation of the analysis heads (``train.py``, ``evaluate.py``)."""
