"""Organisation pages: the browser (views_browse) and the household register (views_register)."""

from gongzhi.org import views_browse, views_register, views_roles

app_name = "org"
urlpatterns = [
    *views_browse.urlpatterns,
    *views_register.urlpatterns,
    *views_roles.urlpatterns,
]
