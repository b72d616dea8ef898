"""The demo dealer group: 12 stores in real cities, staff for every role, customers and vehicles.

Deterministic for a seed. Later issues add their own history (repair orders, follow-ups...).
Rows are written with bulk inserts: this is seed data, not staff actions, so it has no audit log.
"""

import datetime as dt
import random
from dataclasses import dataclass

import phonenumbers
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User
from django.db import transaction
from django.utils import timezone

from dealercare.appointments.models import Appointment, Bay
from dealercare.complaints.models import Complaint
from dealercare.customers.models import Consent, Customer, CustomerEvent, MileageReading, Vehicle
from dealercare.customers.validators import vin_check_digit
from dealercare.followups.models import FollowUpTask
from dealercare.org.models import (
    DEFAULT_BUSINESS_PERIODS,
    BusinessPeriod,
    DealerGroup,
    Department,
    StaffProfile,
    Store,
)
from dealercare.org.roles import Role
from dealercare.workorders.models import RepairOrder

from .history import DemoHistory, demo_surveys

DEMO_PASSWORD = "demo1234"


@dataclass(frozen=True)
class StoreSeed:
    code: str
    name: str
    province: str
    city: str
    plate_prefix: str
    brand: str
    phone: str


STORES = [
    StoreSeed("BJ01", "北京朝阳4S店", "北京", "北京", "京A", "大众", "010-65908800"),
    StoreSeed("SH01", "上海浦东4S店", "上海", "上海", "沪A", "别克", "021-50306600"),
    StoreSeed("GZ01", "广州天河4S店", "广东", "广州", "粤A", "丰田", "020-38801200"),
    StoreSeed("SZ01", "深圳南山4S店", "广东", "深圳", "粤B", "本田", "0755-26601100"),
    StoreSeed("HZ01", "杭州西湖4S店", "浙江", "杭州", "浙A", "大众", "0571-87702200"),
    StoreSeed("NJ01", "南京江宁4S店", "江苏", "南京", "苏A", "奥迪", "025-52103300"),
    StoreSeed("CD01", "成都高新4S店", "四川", "成都", "川A", "丰田", "028-85304400"),
    StoreSeed("WH01", "武汉光谷4S店", "湖北", "武汉", "鄂A", "本田", "027-87605500"),
    StoreSeed("XA01", "西安曲江4S店", "陕西", "西安", "陕A", "别克", "029-85506600"),
    StoreSeed("CQ01", "重庆渝北4S店", "重庆", "重庆", "渝A", "大众", "023-67807700"),
    StoreSeed("TJ01", "天津滨海4S店", "天津", "天津", "津A", "奥迪", "022-25308800"),
    StoreSeed("CS01", "长沙岳麓4S店", "湖南", "长沙", "湘A", "丰田", "0731-88809900"),
]

BRANDS = {
    # brand: (world manufacturer identifier, models)
    "大众": ("LSV", ["帕萨特", "朗逸", "途观L", "ID.4 X", "凌渡"]),
    "别克": ("LSG", ["君威", "英朗", "昂科威", "GL8", "微蓝6"]),
    "丰田": ("LVG", ["凯美瑞", "雷凌", "汉兰达", "威兰达", "赛那"]),
    "本田": ("LHG", ["雅阁", "思域", "CR-V", "皓影", "奥德赛"]),
    "奥迪": ("LFV", ["A4L", "A6L", "Q5L", "Q3", "Q4 e-tron"]),
}
COLORS = ["珍珠白", "曜石黑", "星空灰", "极光银", "宝石蓝", "中国红"]

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任"
    "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN_MALE = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林峰建国志文博"
GIVEN_FEMALE = "芳娜敏静丽艳娟霞秀燕玲桂丹萍红琳婷雪慧颖倩琴云莉洁晶欣怡佳悦婧璐"
MOBILE_PREFIXES = [
    "130",
    "131",
    "132",
    "133",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "155",
    "156",
    "157",
    "158",
    "159",
    "166",
    "176",
    "177",
    "180",
    "181",
    "182",
    "183",
    "185",
    "186",
    "187",
    "188",
    "189",
    "198",
    "199",
]
_PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
_PLATE_DIGITS = "0123456789"
_VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
_YEAR_CODES = {
    2018: "J",
    2019: "K",
    2020: "L",
    2021: "M",
    2022: "N",
    2023: "P",
    2024: "R",
    2025: "S",
}

STORE_ROLES = [
    Role.CS_AGENT,
    Role.SERVICE_ADVISOR,
    Role.TECHNICIAN,
    Role.CS_MANAGER,
    Role.AFTERSALES_MANAGER,
    Role.SALES_CONSULTANT,
    Role.STORE_MANAGER,
]
HQ_ROLES = [Role.HQ_QUALITY, Role.ADMIN]
ROLE_DEPARTMENT = {
    Role.CS_AGENT: Department.Kind.CUSTOMER_SERVICE,
    Role.CS_MANAGER: Department.Kind.CUSTOMER_SERVICE,
    Role.SERVICE_ADVISOR: Department.Kind.AFTERSALES,
    Role.AFTERSALES_MANAGER: Department.Kind.AFTERSALES,
    Role.TECHNICIAN: Department.Kind.WORKSHOP,
    Role.SALES_CONSULTANT: Department.Kind.SALES,
}
STAFF_PER_ROLE = 3


def demo_username(role: str, store_code: str | None, n: int = 1) -> str:
    return f"{(store_code or 'hq').lower()}-{role}-{n}"


def demo_logins() -> list[tuple[str, str]]:
    """One login per role (role label, username), for the README and `make run`."""
    first_store = STORES[0].code
    rows = [(str(role.label), demo_username(role, first_store)) for role in STORE_ROLES]
    rows += [(str(role.label), demo_username(role, None)) for role in HQ_ROLES]
    return rows


class DemoGenerator:
    def __init__(
        self,
        *,
        seed: int = 20261126,
        stores: int = len(STORES),
        customers: int = 3000,
        vehicles: int = 4000,
        appointments_per_day: int = 8,
        history_days: int = 182,
        repair_orders_per_day: int = 12,
        repair_order_days: int = 730,
    ):
        if vehicles < customers:
            raise ValueError("every demo customer has at least one vehicle")
        self.rng = random.Random(seed)
        self.store_seeds = STORES[:stores]
        self.customer_count = customers
        self.appointments_per_day = appointments_per_day
        self.history_days = history_days
        self.repair_orders_per_day = repair_orders_per_day
        self.repair_order_days = repair_order_days
        self.vehicle_count = vehicles
        self.today = timezone.localdate()
        self.used_mobiles: set[str] = set()
        self.used_plates: set[str] = set()
        self.used_vins: set[str] = set()

    # -- values -----------------------------------------------------------------------------
    def person_name(self) -> tuple[str, str]:
        gender = self.rng.choice([Customer.Gender.MALE, Customer.Gender.FEMALE])
        pool = GIVEN_MALE if gender == Customer.Gender.MALE else GIVEN_FEMALE
        given = "".join(self.rng.choice(pool) for _ in range(self.rng.choice([1, 2, 2])))
        return self.rng.choice(SURNAMES) + given, gender

    def mobile(self) -> str:
        while True:
            number = self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if number in self.used_mobiles:
                continue
            parsed = phonenumbers.parse(number, "CN")
            if phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.MOBILE:
                self.used_mobiles.add(number)
                return number

    def plate(self, prefix: str) -> str:
        while True:
            if self.rng.random() < 0.15:  # new-energy plate: D/F + 5
                tail = self.rng.choice("DF") + self.rng.choice(_PLATE_LETTERS + _PLATE_DIGITS)
                tail += "".join(self.rng.choice(_PLATE_DIGITS) for _ in range(4))
            else:
                chars = [self.rng.choice(_PLATE_DIGITS) for _ in range(5)]
                for position in self.rng.sample(range(5), self.rng.choice([0, 1, 1, 2])):
                    chars[position] = self.rng.choice(_PLATE_LETTERS)
                tail = "".join(chars)
            plate = prefix + tail
            if plate not in self.used_plates:
                self.used_plates.add(plate)
                return plate

    def vin(self, brand: str, year: int) -> str:
        wmi = BRANDS[brand][0]
        while True:
            vds = "".join(self.rng.choice(_VIN_CHARS) for _ in range(5))
            serial = f"{self.rng.randrange(10**6):06d}"
            body = f"{wmi}{vds}0{_YEAR_CODES[year]}{self.rng.choice('ABCDEFGH')}{serial}"
            vin = body[:8] + vin_check_digit(body) + body[9:]
            if vin not in self.used_vins:
                self.used_vins.add(vin)
                return vin

    # -- rows -------------------------------------------------------------------------------
    @transaction.atomic
    def generate(self) -> dict[str, int]:
        group, _ = DealerGroup.objects.get_or_create(
            code="ruicheng", defaults={"name": "瑞诚汽车服务集团"}
        )
        stores = [self._store(group, seed) for seed in self.store_seeds]
        staff = self._staff(stores)
        self._customers_and_vehicles(stores)
        self._bays(stores)
        history = DemoHistory(
            rng=self.rng,
            today=self.today,
            days=self.history_days,
            appointments_per_day=self.appointments_per_day,
            repair_orders_per_day=self.repair_orders_per_day,
            repair_order_days=self.repair_order_days,
        )
        history.appointments(stores)
        history.repair_orders(stores)
        history.insurance_policies(stores)
        history.follow_ups(stores)
        history.complaints(stores)
        demo_surveys(self.rng, stores)
        return {
            "stores": len(stores),
            "staff": staff,
            "customers": Customer.objects.count(),
            "vehicles": Vehicle.objects.count(),
            "appointments": Appointment.objects.count(),
            "repair_orders": RepairOrder.objects.count(),
            "follow_ups": FollowUpTask.objects.count(),
            "complaints": Complaint.objects.count(),
        }

    def _store(self, group, seed: StoreSeed) -> Store:
        store, created = Store.objects.get_or_create(
            code=seed.code,
            defaults={
                "group": group,
                "name": seed.name,
                "province": seed.province,
                "city": seed.city,
                "plate_prefix": seed.plate_prefix,
                "brand": seed.brand,
                "phone": seed.phone,
                "address": f"{seed.city}市{seed.name.removesuffix('4S店')}汽车园1号",
            },
        )
        if created:
            BusinessPeriod.objects.bulk_create(
                BusinessPeriod(store=store, start=start, end=end)
                for start, end in DEFAULT_BUSINESS_PERIODS
            )
            Department.objects.bulk_create(
                Department(store=store, kind=kind) for kind in Department.Kind.values
            )
        return store

    def _staff(self, stores: list[Store]) -> int:
        password = make_password(DEMO_PASSWORD)  # hashed once: hashing 250 times takes a minute
        groups = {group.name: group for group in Group.objects.all()}
        created = 0
        plan = [(store, role) for store in stores for role in STORE_ROLES]
        plan += [(None, role) for role in HQ_ROLES]
        for store, role in plan:
            departments = {d.kind: d for d in store.departments.all()} if store else {}
            for n in range(1, STAFF_PER_ROLE + 1):
                username = demo_username(role, store.code if store else None, n)
                if User.objects.filter(username=username).exists():
                    continue
                name, _gender = self.person_name()
                user = User.objects.create(
                    username=username,
                    password=password,
                    first_name=name,
                    is_staff=role == Role.ADMIN,
                    is_superuser=role == Role.ADMIN,
                )
                user.groups.add(groups[role])
                StaffProfile.objects.create(
                    user=user,
                    store=store,
                    display_name=name,
                    mobile=self.mobile(),
                    department=departments.get(ROLE_DEPARTMENT.get(role)),
                )
                created += 1
        return created

    def _customers_and_vehicles(self, stores: list[Store]) -> None:
        now = timezone.now()
        customers = []
        for index in range(self.customer_count):
            store = stores[index % len(stores)]
            name, gender = self.person_name()
            last_visit = self.today - dt.timedelta(days=self.rng.randrange(0, 900))
            days_since = (self.today - last_visit).days
            segment = (
                Customer.Segment.LOST
                if days_since >= 365
                else Customer.Segment.LOYAL
                if days_since <= 180 and self.rng.random() < 0.5
                else Customer.Segment.GENERAL
            )
            birthday = (
                dt.date(
                    self.rng.randrange(1960, 2003),
                    self.rng.randrange(1, 13),
                    self.rng.randrange(1, 29),
                )
                if self.rng.random() < 0.8
                else None
            )
            customers.append(
                Customer(
                    store=store,
                    name=name,
                    mobile=self.mobile(),
                    gender=gender,
                    birthday=birthday,
                    source=self.rng.choice(Customer.Source.values),
                    segment=segment,
                    last_visit_at=last_visit,
                )
            )
        Customer.objects.bulk_create(customers, batch_size=500)
        customers = list(Customer.objects.select_related("store").order_by("id"))

        owners = customers + [
            self.rng.choice(customers) for _ in range(self.vehicle_count - len(customers))
        ]
        vehicles = []
        for owner in owners:
            brand = owner.store.brand if self.rng.random() < 0.85 else self.rng.choice(list(BRANDS))
            year = self.rng.choice(list(_YEAR_CODES))
            purchase = dt.date(year, self.rng.randrange(1, 13), self.rng.randrange(1, 29))
            years_owned = max((self.today - purchase).days / 365, 0.1)
            vehicles.append(
                Vehicle(
                    store=owner.store,
                    owner=owner,
                    vin=self.vin(brand, year),
                    plate=self.plate(owner.store.plate_prefix),
                    brand=brand,
                    model=self.rng.choice(BRANDS[brand][1]),
                    color=self.rng.choice(COLORS),
                    purchase_date=purchase,
                    current_mileage_km=int(years_owned * self.rng.randrange(6000, 25000)),
                )
            )
        Vehicle.objects.bulk_create(vehicles, batch_size=500)
        vehicles = list(Vehicle.objects.order_by("id"))

        MileageReading.objects.bulk_create(
            (
                MileageReading(
                    vehicle=vehicle,
                    km=vehicle.current_mileage_km,
                    read_at=now - dt.timedelta(days=self.rng.randrange(0, 365)),
                    source=MileageReading.Source.IMPORT,
                )
                for vehicle in vehicles
            ),
            batch_size=1000,
        )
        Consent.objects.bulk_create(
            (
                Consent(
                    customer=customer,
                    purpose=purpose,
                    granted=purpose == Consent.Purpose.SERVICE or self.rng.random() < 0.6,
                    source=Consent.Source.PAPER_FORM,
                    at=now,
                )
                for customer in customers
                for purpose in Consent.Purpose.values
            ),
            batch_size=1000,
        )
        CustomerEvent.objects.bulk_create(
            (
                CustomerEvent(
                    customer=customer,
                    store_id=customer.store_id,
                    kind=CustomerEvent.Kind.CREATED,
                    at=now,
                    summary="演示数据导入",
                )
                for customer in customers
            ),
            batch_size=1000,
        )

    def _bays(self, stores: list[Store]) -> None:
        Bay.objects.bulk_create(
            Bay(store=store, name=f"{n}号工位")
            for store in stores
            if not store.bays.exists()
            for n in range(1, self.rng.choice([4, 5, 6]) + 1)
        )
