"""Organisation pages: the browser (views_browse) and the household register (views_register)."""

from gongzhi.org import views_browse, views_register

app_name = "org"
urlpatterns = [
    *views_browse.urlpatterns,
    *views_register.urlpatterns,
]
