"""Appeal pages: the resident's side (urls_resident) and the staff's side (urls_work)."""

from gongzhi.appeals import urls_resident, urls_work

app_name = "appeals"
urlpatterns = urls_resident.urlpatterns + urls_work.urlpatterns
