from django.urls import URLPattern

app_name = "commissions"
urlpatterns: list[URLPattern] = []
