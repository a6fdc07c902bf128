from django.urls import URLPattern, URLResolver

app_name = "wishes"
urlpatterns: list[URLPattern | URLResolver] = []
