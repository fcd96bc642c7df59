"""Units, executors and places of the demo province, with Vietnamese names."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._base import Ctx

PROVINCE_ID = "TINH"
PROVINCE_NAME = "Thi hành án dân sự tỉnh Demo"

_FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng",
           "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý")
# Roughly the national frequency: Nguyễn alone is over a third.
_FAMILY_P = np.array([38, 11, 9.5, 7, 5.1, 4.1, 4.5, 3.9, 3.9, 2.1, 2, 1.4, 1.3, 1.3, 1, 0.5])
_MIDDLE = ("Văn", "Thị", "Minh", "Thanh", "Ngọc", "Hữu", "Đức", "Quốc", "Thu", "Hoài", "Xuân", "Kim")
_GIVEN = ("An", "Bình", "Cường", "Dũng", "Duy", "Giang", "Hà", "Hải", "Hạnh", "Hiếu", "Hoa", "Hùng",
          "Hương", "Huy", "Khánh", "Lan", "Linh", "Long", "Mai", "Minh", "Nam", "Nga", "Ngọc", "Phong",
          "Phúc", "Phương", "Quang", "Sơn", "Tâm", "Thảo", "Thắng", "Trang", "Trung", "Tuấn", "Tú",
          "Việt", "Vy", "Yến")
_PLACE_KIND = ("Huyện", "Quận", "Thị xã")
_PLACES = ("An Phú", "Bình Minh", "Tân Hiệp", "Phú Tân", "Long Hồ", "Châu Thành", "Hòa Bình", "Thạnh Phú",
           "Vĩnh Lợi", "Đông Hải", "Tam Nông", "Cái Nước", "Mỹ Xuyên", "Trà Cú", "Cầu Kè", "Gò Quao",
           "Thới Lai", "Phong Điền", "Ninh Kiều", "Bình Thủy", "Cờ Đỏ", "Tân Châu", "Lấp Vò", "Cao Lãnh",
           "Hồng Ngự", "Chợ Mới", "Tri Tôn", "Tịnh Biên", "Kiên Lương", "Hòn Đất", "Giồng Riềng",
           "Vĩnh Thuận", "An Biên", "Tân Phước", "Cai Lậy", "Gò Công", "Bến Lức", "Đức Hòa", "Cần Giuộc",
           "Thủ Thừa", "Mỏ Cày", "Ba Tri", "Giồng Trôm", "Bình Đại", "Vũng Liêm", "Trà Ôn", "Tam Bình")
DISTRICTS_PER_UNIT = 3


def unit_ids(units: int) -> list[str]:
    """``KV01`` … ``KVnn`` (three digits from 100 units on)."""
    width = max(2, len(str(units)))
    return [f"KV{k:0{width}d}" for k in range(1, units + 1)]


def units_frame(units: int) -> pd.DataFrame:
    """The province unit and its regional units."""
    ids = unit_ids(units)
    return pd.DataFrame({
        "unit_id": [PROVINCE_ID, *ids],
        "name": [PROVINCE_NAME, *(f"Phòng Thi hành án dân sự khu vực {k}" for k in range(1, units + 1))],
        "level": ["province"] + ["regional"] * units,
        "parent_id": [None] + [PROVINCE_ID] * units,
    })


def people(ctx: Ctx, n: int) -> np.ndarray:
    """``n`` Vietnamese full names (family, middle, given)."""
    fam = ctx.rng.choice(len(_FAMILY), n, p=_FAMILY_P / _FAMILY_P.sum())
    mid = ctx.rng.integers(0, len(_MIDDLE), n)
    giv = ctx.rng.integers(0, len(_GIVEN), n)
    return np.array([f"{_FAMILY[a]} {_MIDDLE[b]} {_GIVEN[c]}" for a, b, c in zip(fam, mid, giv, strict=True)],
                    dtype=object)


def executors_frame(ctx: Ctx, unit_list: list[str], per_unit: np.ndarray) -> pd.DataFrame:
    """``per_unit[i]`` executors for ``unit_list[i]``, ids ``<unit>-CHVnn``."""
    unit_of = np.repeat(np.arange(len(unit_list)), per_unit)
    pos = np.arange(len(unit_of)) - np.repeat(np.cumsum(per_unit) - per_unit, per_unit)
    ids = [f"{unit_list[u]}-CHV{p + 1:02d}" for u, p in zip(unit_of, pos, strict=True)]
    return pd.DataFrame({"executor_id": ids, "unit_id": np.array(unit_list, dtype=object)[unit_of],
                         "name": people(ctx, len(ids))})


def district_names(n_units: int) -> np.ndarray:
    """``DISTRICTS_PER_UNIT`` distinct district names per unit (row = unit code)."""
    total = n_units * DISTRICTS_PER_UNIT
    k = np.arange(total)
    combos = len(_PLACES) * len(_PLACE_KIND)
    names = [f"{_PLACE_KIND[(i // len(_PLACES)) % len(_PLACE_KIND)]} {_PLACES[i % len(_PLACES)]}"
             + (f" {i // combos + 1}" if i >= combos else "") for i in k]
    return np.array(names, dtype=object).reshape(n_units, DISTRICTS_PER_UNIT)
