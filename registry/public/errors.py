"""Error pages (being written)."""


def register(app):
    return None
