from accounts.notifications import unread_count


def navigation(request):
    """The unread count in the navigation bar: one indexed count per page for signed-in fans."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": unread_count(user)}
