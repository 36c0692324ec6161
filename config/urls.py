from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView


class FaviconView(RedirectView):
    permanent = False

    def get_redirect_url(self, *args, **kwargs):
        # Resolved per request: the hashed name exists only after collectstatic.
        from django.templatetags.static import static

        return static("favicon.svg")


urlpatterns = [
    # Browsers ask for /favicon.ico on every page (the admin's too).
    path("favicon.ico", FaviconView.as_view()),
    path("admin/", admin.site.urls),
    # set_language: the header's language switcher posts here.
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include("config.api_urls")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("registry.urls")),
    path("", include("analytics.urls")),
]
