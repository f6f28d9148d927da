"""The kill switch: erasure of a memorial down to a tombstone and a signed certificate.

Public names: `services.memorial_erase` (the service), `core.holders.ErasedCount` (what a
holder's erase may return, with content-free details of remote deletions),
`selectors.memorial_erased_check` / `selectors.MemorialErased` (for work that must stop
once a memorial is erased), `selectors.erasure_inventory` (counts per holder) and
`selectors.erasure_membership_for` (who may erase).
"""
