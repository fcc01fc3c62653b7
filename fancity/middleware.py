"""Response headers that Django and django-csp do not set."""

from django.conf import settings


class PermissionsPolicyMiddleware:
    """Send `Permissions-Policy` (settings.PERMISSIONS_POLICY): the browser features pages may use.

    Only the check-in page needs a device (the camera, to scan tickets), and only for this site
    itself; everything else is off, also for anything embedded.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.value = ", ".join(
            f"{feature}=({' '.join(origins)})" for feature, origins in settings.PERMISSIONS_POLICY.items()
        )

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.value)
        return response
