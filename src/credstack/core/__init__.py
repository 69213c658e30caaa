"""The pure core: credentials, canonicalization, proofs, status lists, verification.

Nothing here touches a database, the network, the web or the terminal; side effects
(time, randomness, fetching) come in as arguments so results are reproducible.
"""
