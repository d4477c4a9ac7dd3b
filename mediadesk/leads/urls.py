"""Leads URLs: capture, customers, allocation and portal pages (urls_desk) and attribution
pages — reports, visits, disputes, referrals, rule sets (urls_attribution)."""

from mediadesk.leads import urls_attribution, urls_desk

app_name = "leads"
urlpatterns = [*urls_desk.urlpatterns, *urls_attribution.urlpatterns]
