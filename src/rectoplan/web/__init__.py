"""The RectoPlan service: a FastAPI application over the registry, the engine and analytics.

`app.create_app` builds it; `settings` reads its ``RECTOPLAN_*`` configuration; `bootstrap`
readies a registry to serve (schema, first admin, demo); `deps` gives routes their registry
session and checks the caller's role; `routes` holds one router per resource; `schemas` what
the API accepts and returns; `errors` how failures become HTTP answers; `tokens` the bearer
tokens. ``rectoplan serve`` (`rectoplan.cli.serve`) runs it.
"""
