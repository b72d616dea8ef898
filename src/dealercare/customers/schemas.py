import datetime as dt

from ninja import Field, Schema

from dealercare.core.api import Id, Text

from .models import Consent, Customer


class CustomerIn(Schema):
    store_id: Id | None = Field(
        None, description="Required for group HQ users; staff use their store"
    )
    name: Text = Field(..., min_length=1, max_length=50)
    mobile: Text = Field(..., max_length=20, examples=["13812345678"])
    gender: Customer.Gender = Customer.Gender.UNKNOWN
    birthday: dt.date | None = None
    lunar_birthday: Text = Field("", max_length=5)
    source: Customer.Source = Customer.Source.WALK_IN
    language: str = Field("zh-hans", pattern="^(zh-hans|en)$")
    email: Text = Field("", max_length=254)
    tags: list[Text] = Field(default_factory=list, max_length=20)
    notes: Text = Field("", max_length=2000)
    service_consent: bool = True
    marketing_consent: bool = False


class CustomerPatch(Schema):
    name: Text | None = Field(None, min_length=1, max_length=50)
    mobile: Text | None = Field(None, max_length=20)
    gender: Customer.Gender | None = None
    birthday: dt.date | None = None
    lunar_birthday: Text | None = Field(None, max_length=5)
    source: Customer.Source | None = None
    language: str | None = Field(None, pattern="^(zh-hans|en)$")
    email: Text | None = Field(None, max_length=254)
    tags: list[Text] | None = Field(None, max_length=20)
    notes: Text | None = Field(None, max_length=2000)


class CustomerOut(Schema):
    id: int
    store_id: int
    name: str
    mobile_masked: str
    gender: str
    birthday: dt.date | None
    lunar_birthday: str
    source: str
    language: str
    tags: list
    segment: str
    last_visit_at: dt.date | None
    created_at: dt.datetime
    updated_at: dt.datetime


class ConsentOut(Schema):
    purpose: Consent.Purpose
    granted: bool
    source: str | None
    at: dt.datetime | None


class ConsentIn(Schema):
    purpose: Consent.Purpose
    granted: bool
    source: Consent.Source = Consent.Source.STAFF


class VehicleIn(Schema):
    customer_id: Id
    vin: Text = Field(..., max_length=30, examples=["LSVAU218XN2183294"])
    plate: Text = Field(..., max_length=12, examples=["京A12345"])
    brand: Text = Field(..., min_length=1, max_length=50)
    model: Text = Field(..., min_length=1, max_length=50)
    color: Text = Field("", max_length=20)
    purchase_date: dt.date | None = None
    mileage_km: int | None = Field(None, ge=0, le=2_000_000)


class VehiclePatch(Schema):
    vin: Text | None = Field(None, max_length=30)
    plate: Text | None = Field(None, max_length=12)
    brand: Text | None = Field(None, min_length=1, max_length=50)
    model: Text | None = Field(None, min_length=1, max_length=50)
    color: Text | None = Field(None, max_length=20)
    purchase_date: dt.date | None = None


class VehicleOut(Schema):
    id: int
    store_id: int
    customer_id: int = Field(..., alias="owner_id")
    vin: str
    plate: str
    brand: str
    model: str
    color: str
    purchase_date: dt.date | None
    current_mileage_km: int
    created_at: dt.datetime
    updated_at: dt.datetime


class CustomerDetailOut(CustomerOut):
    email: str
    notes: str
    consents: list[ConsentOut]
    vehicles: list[VehicleOut]


class MobileOut(Schema):
    mobile: str
