"""End-to-end verifiable secret ballots (issue 10): pure protocol code, no Flask, no database.

The group and scalar arithmetic come from libsodium through PyNaCl (:mod:`.group`); this package
builds exponential ElGamal (:mod:`.elgamal`), the zero-knowledge proofs (:mod:`.proofs`), the
trustees' key shares (:mod:`.trustees`) and the published record with its verifier
(:mod:`.record`) on top of it. The standalone verifier (``ecabinet votes verify``) imports only
this package, so anyone can check a vote without the server. Its modules import one another
relatively, and nothing else of ecabinet, so the folder alone is a package too: copied anywhere,
``python -m ballots.cli verify RECORD.json`` runs with PyNaCl and click only. The protocol is
written down in docs/secret-votes.md; the browser's half is ecabinet/static/js/lib/ballot.js.
"""
