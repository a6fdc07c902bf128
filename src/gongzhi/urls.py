from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from gongzhi.api.api import api
from gongzhi.web.views_health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("accounts/", include("gongzhi.accounts.urls")),
    path("org/", include("gongzhi.org.urls")),
    path("core/", include("gongzhi.core.urls")),
    path("appeals/", include("gongzhi.appeals.urls")),
    path("wishes/", include("gongzhi.wishes.urls")),
    path("insights/", include("gongzhi.insights.urls")),
    path("open311/v2/", include("gongzhi.open311.urls")),
    path("", include("gongzhi.web.urls")),
]
