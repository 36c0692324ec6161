"""What the signed-in user may do, for the navigation: decided by `registry.access`, so a
menu entry appears exactly where its page would let the user in."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from registry import access


def permissions(request):
    user = getattr(request, "user", None)
    return {"may": SimpleLazyObject(lambda: {"import_files": access.can_import(user)})}
