"""Use cases, named verb_noun. Each loads objects, calls the domain, writes audit, and flushes.

Services never commit: the caller (a route, the API or the CLI) wraps one service call in
`write_transaction()`, which commits once, or rolls back and records a refused attempt.
"""
