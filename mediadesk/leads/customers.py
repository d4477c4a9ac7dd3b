"""One customer per phone per organisation: the lookup every capture path goes through."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from mediadesk.leads.models import Customer
from mediadesk.orgs.models import Organisation


def customer_for_phone(
    organisation: Organisation, phone: str, *, name: str = ""
) -> tuple[Customer, bool]:
    """The organisation's customer with this normalised 11-digit phone, created if new.

    Safe under concurrency: a racing insert hits the unique constraint and we read the winner.
    """
    existing = Customer.objects.filter(organisation=organisation, phone=phone).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            return Customer.objects.create(organisation=organisation, phone=phone, name=name), True
    except IntegrityError:
        return Customer.objects.get(organisation=organisation, phone=phone), False
