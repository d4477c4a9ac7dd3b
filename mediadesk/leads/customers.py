"""One customer per phone per organisation: the lookup every capture path goes through."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from mediadesk.leads.models import Customer
from mediadesk.orgs.models import Organisation


def customer_for_phone(
    organisation: Organisation | int, phone: str, *, name: str = ""
) -> tuple[Customer, bool]:
    """The organisation's (or organisation id's) customer with this normalised 11-digit phone,
    created if new.

    Safe under concurrency: a racing insert hits the unique constraint and we read the winner.
    """
    org_id = organisation if isinstance(organisation, int) else organisation.pk
    existing = Customer.objects.filter(organisation_id=org_id, phone=phone).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            created = Customer.objects.create(organisation_id=org_id, phone=phone, name=name)
            return created, True
    except IntegrityError:
        return Customer.objects.get(organisation_id=org_id, phone=phone), False
