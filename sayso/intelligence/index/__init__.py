"""The similar-item index: which stored items mean the same as a text.

- ``sources``: the registry of what is indexed (each app registers its kinds);
- ``services``: writes (``items_index``, ``item_unindex``, ``index_rebuild``, ``index_persist``);
- ``selectors``: reads (``similar``, ``index_status``);
- ``background``: the indexing tasks and ``index_item_later`` / ``index_coalesced``;
- ``search``: one query over both stores; ``embedded`` (an HNSW or exact index in each
  process, ``snapshot`` its files on disk) and ``vector_pg`` (pgvector on PostgreSQL).
"""
