from dealercare.core.errors import Conflict, ValidationFailed


class DuplicateMobile(Conflict):
    code = "duplicate_mobile"

    def __init__(self):
        super().__init__(
            "该门店已有使用此手机号的客户。",
            "A customer with this mobile number already exists in this store.",
            field="mobile",
        )


class DuplicateVehicle(Conflict):
    code = "duplicate_vehicle"

    def __init__(self, field: str):
        label_zh = "车架号" if field == "vin" else "车牌号"
        label_en = "VIN" if field == "vin" else "plate"
        super().__init__(
            f"该门店已登记此{label_zh}的车辆。",
            f"A vehicle with this {label_en} is already registered in this store.",
            field=field,
        )


class MileageDecreaseNeedsReason(ValidationFailed):
    code = "mileage_decrease_needs_reason"

    def __init__(self, last_km: int):
        super().__init__(
            f"里程低于上次读数（{last_km} 公里），请填写原因（如更换仪表）。",
            f"The mileage is lower than the last reading ({last_km} km); give a reason "
            "(e.g. instrument cluster replaced).",
            field="mileage_km",
        )
