from django.conf import settings

from .navigation import menu_for


def navigation(request):
    return {"nav_items": menu_for(request.user), "SITE_URL": settings.SITE_URL}
