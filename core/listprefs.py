"""Remembered list filters: each user's last filter (and sort) per list, kept in the session.

Coming back to a list without a query string restores the last one (a redirect to it);
``?clear=1`` (the "清除筛选" link) forgets it. Only the session is written, and only when the
filter changes, so a list page costs no query for it."""

from __future__ import annotations

from django.http import HttpResponseRedirect

SESSION_KEY = "list_filters"
#: Parameters that are not part of a filter.
NOT_FILTERS = ("page", "export", "clear")


def remembered_filters(request) -> HttpResponseRedirect | None:
    """The redirect that restores the remembered filter of ``request.path``, or None (after
    remembering the request's own filter, if it has one)."""
    session = getattr(request, "session", None)
    if session is None:
        return None
    saved: dict[str, str] = session.get(SESSION_KEY, {})
    path = request.path
    if "clear" in request.GET:
        if path in saved:
            saved = {k: v for k, v in saved.items() if k != path}
            session[SESSION_KEY] = saved
        return HttpResponseRedirect(path)
    if not request.GET:
        if saved.get(path):
            return HttpResponseRedirect(f"{path}?{saved[path]}")
        return None
    query = request.GET.copy()
    for name in NOT_FILTERS:
        query.pop(name, None)
    text = query.urlencode()
    if saved.get(path, "") != text:
        saved = {**saved, path: text} if text else {k: v for k, v in saved.items() if k != path}
        session[SESSION_KEY] = saved
    return None
