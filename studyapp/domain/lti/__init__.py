"""LTI 1.3 Advantage, the tool's side: registered platforms and the tool's keys, launches that sign people
in and map courses to classes, deep linking, grade passback through an outbox, and roster sync.

The protocol checks (signatures, state, nonce, deployment) are pylti1p3's, fed from these tables;
what a verified launch may do here (who it signs in, which class and role it gives) is decided in
`launches`. Like every domain module these flush and never commit, except the passback sender, which
runs after the request's commit as its own units of work.
"""
