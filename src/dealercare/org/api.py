from django.contrib.auth import authenticate
from ninja import Router

from dealercare.core.api import errors
from dealercare.core.errors import DomainError

from .auth import staff_auth
from .schemas import MeOut, StoreOut, TokenIn, TokenOut
from .selectors import staff_profile_of, store_list, user_roles
from .services import api_token_create

router = Router(tags=["org"])


class InvalidCredentials(DomainError):
    status = 401
    code = "invalid_credentials"


@router.post("/auth/token", auth=None, response={200: TokenOut, **errors(401, 422)})
def token_create(request, payload: TokenIn):
    user = authenticate(request, username=payload.username, password=payload.password)
    if user is None or not user.is_active:
        raise InvalidCredentials(
            "用户名或密码错误。", "Wrong username or password.", field="password"
        )
    token, key = api_token_create(user=user)
    return {"token": key, "expires_at": token.expires_at.isoformat()}


@router.get("/me", auth=staff_auth, response={200: MeOut, **errors(401)})
def me(request):
    user = request.auth
    profile = staff_profile_of(user)
    return {
        "id": user.pk,
        "username": user.get_username(),
        "display_name": profile.display_name if profile else user.get_username(),
        "roles": sorted(user_roles(user)),
        "store_id": profile.store_id if profile else None,
        "sees_all_stores": user.is_superuser or bool(profile and profile.sees_all_stores),
        "permissions": sorted(user.get_all_permissions()),
    }


@router.get("/stores", auth=staff_auth, response={200: list[StoreOut], **errors(401)})
def stores(request):
    return list(store_list(actor=request.auth))
