from django.urls import URLPattern, URLResolver

from gongzhi.wishes import views

app_name = "wishes"
urlpatterns: list[URLPattern | URLResolver] = [*views.urlpatterns]
