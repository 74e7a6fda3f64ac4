"""Scheduled sync: the dispatcher, the SyncQueue worker and the records mirror.

Modules: ``entities`` (what is synced), ``cursor`` (keyset position and filters),
``archive`` (SuperOffice queries), ``budget`` (time budget, retries), ``mirror``
(RecordsTable), ``publisher`` (EventBridge) fed by
``stream_events`` (RecordsTable's stream), ``state`` (per-entity sync state),
``lease`` (one worker per tenant), ``run`` (one tenant's run), ``messages``/``queue``
(SyncQueue), ``worker``, ``dispatcher``, ``settings``, ``wiring``.
"""
