"""Every URL pattern of the site, found by walking the resolver, and the URL of each in the
permission matrix's world."""

from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver, reverse

# Served by WhiteNoise or never served (media goes through scoped views): not URL patterns here,
# and excluded should a future setting add them.
EXCLUDED_PREFIXES = ("static/", "media/")


@dataclass(frozen=True)
class Route:
    key: str  # "namespace:name", or the pattern string when the pattern has no name
    pattern: str
    kwargs: tuple[str, ...]
    namespace: str


def _walk(resolver, prefix="", namespace=""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = ":".join(part for part in (namespace, entry.namespace) if part)
            yield from _walk(entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            pattern = prefix + str(entry.pattern)
            name = entry.name and (f"{namespace}:{entry.name}" if namespace else entry.name)
            kwargs = tuple(sorted(entry.pattern.regex.groupindex))
            yield Route(name or pattern, pattern, kwargs, namespace)


def site_routes() -> dict[str, Route]:
    """One Route per key. DRF's format-suffix twins (`.json`) share their route's name and view,
    so the first pattern stands for both."""
    routes = {}
    for route in _walk(get_resolver()):
        if route.pattern.startswith(EXCLUDED_PREFIXES):
            continue
        routes.setdefault(route.key, route)
    return routes


def build_url(route: Route, target, world, tenant, user) -> str:
    """The route's URL in the world, for the object `target` names in `tenant`."""
    obj = resolve_target(target, world, tenant, user)
    values = {}
    for name in route.kwargs:
        if name == "format":
            continue
        values[name] = _kwarg(name, target, obj, tenant, world)
    return reverse(route.key, kwargs=values)


def resolve_target(target, world, tenant, user):
    if target is None:
        return None
    if target == "region":
        return None
    if target == "review":
        return world.review
    if target == "notice":
        return world.notice
    if target == "account":
        return tenant.users["institution_staff"]
    if target == "calendar_day":
        from datetime import date

        from skilleval.models import CalendarDay

        day, _ = CalendarDay.objects.get_or_create(
            date=date(2031, 2, 3), defaults={"is_working_day": False, "note": "春节"}
        )
        return day
    if target == "token":
        # A user's own token; the other tenant's staff's for "other" (and for anonymous callers).
        from skilleval.models import ApiToken

        owner = user if (user is not None and tenant is world.own) else None
        owner = owner or tenant.users["institution_staff"]
        return ApiToken.objects.filter(user=owner).first()
    return getattr(tenant, target)


def _kwarg(name, target, obj, tenant, world):
    from institutions.choices import MaterialKind
    from skilleval.models import Region

    if name == "pk":
        if target == "region" or target is None:
            return Region.objects.get(code="320100").pk
        return obj.pk
    if name == "code":
        return world.occupation.code
    if name == "rule_id":
        return "occupation.evaluable"
    if name == "item_pk":
        return tenant.filing_item.pk
    if name == "kind":
        return MaterialKind.WORK_PLAN.value
    if name == "event_pk":
        return tenant.event.pk
    if name == "contestant_pk":
        return tenant.contestant.pk
    if name == "entity_pk":
        return tenant.entity.pk
    if name == "institution":
        return tenant.institution.pk
    if name == "flag":
        return "complaints"
    if name == "view":  # a statistics view
        return "city"
    if name == "chart":  # a chart of the quality review
        return "complaints"
    if name == "token":
        return tenant.certificate.verification_token
    if name == "signed":
        from certificates.lookup import download_path

        return download_path(tenant.certificate).rstrip("/").rsplit("/", 1)[-1]
    if name in ("content_type_id", "object_id", "app_label", "url"):
        raise LookupError(f"admin route kwargs are not built: {name}")
    raise LookupError(f"no value for URL argument {name!r}")
