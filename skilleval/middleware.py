from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class NoStoreForStaffMiddleware:
    """Pages shown to a signed-in user may carry personal data: browsers and proxies keep no copy."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response["Cache-Control"] = "no-store"
        return response


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    """Pages are in Chinese unless the user chose English with the switch (a cookie). The
    browser's Accept-Language is not consulted: the portal's users read Chinese first. The API
    answers a client in the language it asks for (the cookie, else Accept-Language), Chinese
    when it asks for none."""

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen in dict(settings.LANGUAGES):
            language = chosen
        elif request.path.startswith("/api/"):
            language = translation.get_language_from_request(request)
        else:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
