"""Test data built through the real models and services (no mocks of our own database)."""

import itertools

from django.contrib.auth.models import Group, User

from dealercare.customers import services as customer_services
from dealercare.customers.validators import vin_check_digit
from dealercare.org.models import DealerGroup, StaffProfile, Store

_sequence = itertools.count(1)


def make_group() -> DealerGroup:
    return DealerGroup.objects.get_or_create(code="demo", defaults={"name": "测试汽车集团"})[0]


def make_store(code: str = "BJ01", *, name: str | None = None, plate_prefix: str = "京A") -> Store:
    return Store.objects.get_or_create(
        code=code,
        defaults={
            "group": make_group(),
            "name": name or f"测试门店{code}",
            "province": "北京",
            "city": "北京",
            "plate_prefix": plate_prefix,
            "phone": "010-88886666",
        },
    )[0]


def make_staff(role: str, store: Store | None, *, username: str | None = None, **extra) -> User:
    username = username or f"{role}-{store.code if store else 'hq'}-{next(_sequence)}"
    user = User.objects.create_user(
        username=username, password="pass-1234", is_staff=role == "admin", **extra
    )
    user.groups.add(Group.objects.get(name=role))
    StaffProfile.objects.create(user=user, store=store, display_name=username)
    return user


def make_vin(prefix: str = "LSVAU2180N", serial: int | None = None) -> str:
    """A valid 17-character VIN: 8 chars + check digit + 8 chars."""
    serial = next(_sequence) if serial is None else serial
    body = (prefix + "X" * 10)[:8] + "0" + "N2" + f"{serial:06d}"
    return body[:8] + vin_check_digit(body) + body[9:]


def make_customer(
    store: Store, actor: User, *, name: str = "张伟", mobile: str | None = None, **data
):
    mobile = mobile or f"139{next(_sequence):08d}"
    return customer_services.customer_create(
        actor=actor, store=store, data={"name": name, "mobile": mobile, **data}
    )


def make_vehicle(customer, actor: User, *, plate: str | None = None, **data):
    serial = next(_sequence)
    plate = plate or f"{customer.store.plate_prefix}{serial % 100000:05d}"
    return customer_services.vehicle_create(
        actor=actor,
        owner=customer,
        data={
            "vin": make_vin(serial=serial),
            "plate": plate,
            "brand": "大众",
            "model": "帕萨特",
            **data,
        },
    )
