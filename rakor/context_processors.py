"""Template context every page may use."""

from .roles import is_organiser


def roles(request):
    """``user_is_organiser``: a callable (templates call it), so pages that never ask cost no query."""
    user = getattr(request, "user", None)
    return {"user_is_organiser": lambda: is_organiser(user)}
