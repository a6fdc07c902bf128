"""Core pages: the audit log (views_audit) and the working-day calendar (views_calendar)."""

from gongzhi.core import views_audit, views_calendar

app_name = "core"
urlpatterns = [*views_audit.urlpatterns, *views_calendar.urlpatterns]
