"""Use cases. Plain values in, plain values out; no Typer, no Rich.

Each public function takes a :class:`~chorectl.services.uow.UnitOfWork` and
runs as one transaction: it all happens or none of it does.
"""
