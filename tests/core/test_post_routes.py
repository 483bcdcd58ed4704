"""Every route of the API that answers POST follows the one idempotency rule."""

from django.urls import URLPattern, URLResolver, get_resolver

from mfgcost.core.idempotency import IdempotentPostMixin


def _callbacks(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _callbacks(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


def post_routes() -> dict[str, type]:
    """Route -> view class of every DRF route that has a POST handler."""
    routes = {}
    for route, callback in _callbacks(get_resolver().url_patterns):
        cls = getattr(callback, "cls", None)
        if cls is None:
            continue  # not a REST framework view (admin, schema pages)
        actions = getattr(callback, "actions", None)
        answers_post = "post" in actions if actions is not None else hasattr(cls, "post")
        if answers_post:
            routes[route] = cls
    return routes


def test_every_post_route_takes_the_idempotency_key():
    routes = post_routes()
    # The walk finds the posting routes of every app (so it cannot pass by finding none).
    for expected in ("ledger/", "inventory/", "production/", "costing/", "subcontracting/"):
        assert any(expected in route for route in routes), expected
    # Signing in for a token changes nothing and belongs to no user yet (the key store is per
    # user): repeating it is safe without a key.
    public = {"api/auth/token/"}
    missing = sorted(
        r
        for r, cls in routes.items()
        if not issubclass(cls, IdempotentPostMixin) and r not in public
    )
    assert missing == []
