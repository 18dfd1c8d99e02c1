"""The framework-free heart of Voelspriet.

Everything in this package is plain Python: workflow definitions, the lifecycle engine built on
`transitions`, checklist and gate rules, permissions, audit hashing and the domain errors. It
never imports Flask, Flask-SQLAlchemy or an ORM session; the caller passes in the actor and the
clock. That keeps the rules testable without an app and reusable from the web, API and CLI.
"""
