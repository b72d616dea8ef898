from ninja import Field, Schema

from dealercare.core.api import Text


class TokenIn(Schema):
    username: Text = Field(..., max_length=150)
    password: Text = Field(..., max_length=200)


class TokenOut(Schema):
    token: str
    token_type: str = "Bearer"
    expires_at: str


class StoreOut(Schema):
    id: int
    code: str
    name: str
    brand: str
    province: str
    city: str
    plate_prefix: str
    phone: str
    time_zone: str


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    roles: list[str]
    store_id: int | None
    sees_all_stores: bool
    permissions: list[str]
