"""Case-record data contract, version 1 (CONTRACT.md), as data.

One declaration per table: its columns, their kinds, whether they are
required, the vocabulary a coded column accepts and the header aliases office
exports use. Loading, validation, the demo generator and the tests all read
this module; nothing else spells out the contract.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "CONTRACT_VERSION",
    "Column",
    "Table",
    "TABLES",
    "REQUIRED_TABLES",
    "VOCABULARY",
    "FINDING_COLUMNS",
    "CATEGORIES",
    "SEVERITIES",
    "ENTITY_TYPES",
    "FINDING_KINDS",
]

CONTRACT_VERSION = "1.1"

# Column kinds: str, date, money (int64 VND), int, float, bool.
KINDS = ("str", "date", "money", "int", "float", "bool")


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    nullable: bool = False
    # A column that may be absent from the source altogether (extra optional
    # columns the contract allows, e.g. cases.long_prison_term).
    optional: bool = False
    vocabulary: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    required: bool
    key: tuple[str, ...] = ()  # unique id columns, if any
    aliases: tuple[str, ...] = ()  # sheet/table names in Vietnamese exports
    parents: dict[str, str] = field(default_factory=dict)  # column -> table it points to

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


CASE_TYPES = ("civil", "bank_credit", "corruption_economic", "state_fees_fines", "administrative", "other")
STATUSES = ("open", "completed", "terminated", "postponed", "suspended", "entrusted", "returned")
CONDITIONS = ("with_conditions", "without_conditions", "unclassified")
EVENT_TYPES = (
    "received", "decision", "notification", "verification", "classified_with",
    "classified_without", "postponed", "resumed", "suspended", "seizure", "valuation",
    "auction_contract", "auction", "price_reduction", "collection", "disbursement",
    "completed", "terminated", "entrusted", "returned", "complaint",
)
ASSET_TYPES = ("land", "house", "apartment", "vehicle", "machinery", "shares", "other")
METRICS = (
    "cases_total", "cases_with_conditions", "cases_resolved",
    "money_total", "money_with_conditions", "money_resolved",
)

VOCABULARY: dict[tuple[str, str], tuple[str, ...]] = {}


def _c(name: str, kind: str, *aliases: str, nullable: bool = False, optional: bool = False,
       vocabulary: tuple[str, ...] = ()) -> Column:
    return Column(name, kind, nullable=nullable, optional=optional, vocabulary=vocabulary,
                  aliases=aliases)


_ASSET_FLAGS = {
    "land": ("Đất", "Quyền sử dụng đất"),
    "house": ("Nhà", "Nhà ở"),
    "vehicle": ("Phương tiện", "Xe"),
    "bank_account": ("Tài khoản", "Tài khoản ngân hàng"),
    "income": ("Thu nhập",),
    "business": ("Kinh doanh", "Hoạt động kinh doanh"),
}

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table("units", (
            _c("unit_id", "str", "Mã đơn vị"),
            _c("name", "str", "Tên đơn vị"),
            _c("level", "str", "Cấp", vocabulary=("province", "regional", "district")),
            _c("parent_id", "str", "Đơn vị cấp trên", "Mã đơn vị cấp trên", nullable=True),
        ), required=True, key=("unit_id",), aliases=("Đơn vị", "don_vi")),
        Table("executors", (
            _c("executor_id", "str", "Mã chấp hành viên"),
            _c("unit_id", "str", "Mã đơn vị"),
            _c("name", "str", "Chấp hành viên", "Họ tên", "Họ và tên"),
        ), required=True, key=("executor_id",), aliases=("Chấp hành viên", "chap_hanh_vien"),
            parents={"unit_id": "units"}),
        Table("cases", (
            _c("case_id", "str", "Mã việc", "Số thụ lý"),
            _c("unit_id", "str", "Mã đơn vị"),
            _c("executor_id", "str", "Mã chấp hành viên", "Chấp hành viên", nullable=True),
            _c("judgment_ref", "str", "Bản án", "Số bản án", nullable=True),
            _c("case_type", "str", "Loại việc", vocabulary=CASE_TYPES),
            _c("initiation", "str", "Hình thức thụ lý", vocabulary=("proactive", "on_request")),
            _c("received_date", "date", "Ngày thụ lý"),
            _c("decision_date", "date", "Ngày ra quyết định", "Ngày quyết định thi hành án", nullable=True),
            _c("amount_due", "money", "Số tiền phải thi hành"),
            _c("debtor_kind", "str", "Loại người phải thi hành", vocabulary=("person", "organization")),
            _c("debtor_id", "str", "Người phải thi hành", "Mã người phải thi hành"),
            _c("creditor_kind", "str", "Loại người được thi hành",
               vocabulary=("state", "person", "organization", "bank")),
            _c("status", "str", "Trạng thái", vocabulary=STATUSES),
            _c("condition", "str", "Điều kiện thi hành", "Phân loại", vocabulary=CONDITIONS),
            _c("closed_date", "date", "Ngày kết thúc", nullable=True),
            _c("long_prison_term", "bool", "Phạt tù dài hạn", nullable=True, optional=True),
        ), required=True, key=("case_id",), aliases=("Việc thi hành án", "viec_thi_hanh_an"),
            parents={"unit_id": "units", "executor_id": "executors"}),
        Table("events", (
            _c("case_id", "str", "Mã việc", "Số thụ lý"),
            _c("event_date", "date", "Ngày"),
            _c("event_type", "str", "Loại sự kiện", "Hoạt động", vocabulary=EVENT_TYPES),
            _c("amount", "money", "Số tiền", nullable=True),
            _c("ref", "str", "Số văn bản", "Tham chiếu", nullable=True),
        ), required=True, aliases=("Sự kiện", "su_kien"), parents={"case_id": "cases"}),
        Table("verifications", (
            _c("case_id", "str", "Mã việc", "Số thụ lý"),
            _c("verification_date", "date", "Ngày xác minh"),
            *(_c(k, "bool", *a) for k, a in _ASSET_FLAGS.items()),
            _c("assets_value", "money", "Giá trị tài sản", nullable=True),
            _c("outcome", "str", "Kết quả xác minh", vocabulary=("with_conditions", "without_conditions")),
        ), required=True, aliases=("Xác minh", "xac_minh"), parents={"case_id": "cases"}),
        Table("assets", (
            _c("asset_id", "str", "Mã tài sản"),
            _c("case_id", "str", "Mã việc", "Số thụ lý"),
            _c("asset_type", "str", "Loại tài sản", vocabulary=ASSET_TYPES),
            _c("district", "str", "Quận/huyện", "Địa bàn", nullable=True),
            _c("area_m2", "float", "Diện tích", "Diện tích (m2)", nullable=True),
            _c("seizure_date", "date", "Ngày kê biên", nullable=True),
        ), required=False, key=("asset_id",), aliases=("Tài sản", "tai_san"),
            parents={"case_id": "cases"}),
        Table("valuations", (
            _c("valuation_id", "str", "Mã thẩm định"),
            _c("asset_id", "str", "Mã tài sản"),
            _c("valuation_date", "date", "Ngày thẩm định giá"),
            _c("valuer_id", "str", "Tổ chức thẩm định giá"),
            _c("value", "money", "Giá trị", "Giá thẩm định"),
            _c("revaluation", "bool", "Thẩm định giá lại"),
        ), required=False, key=("valuation_id",), aliases=("Thẩm định giá", "tham_dinh_gia"),
            parents={"asset_id": "assets"}),
        Table("auctions", (
            _c("auction_id", "str", "Mã cuộc đấu giá"),
            _c("asset_id", "str", "Mã tài sản"),
            _c("round", "int", "Lần đấu giá"),
            _c("contract_date", "date", "Ngày ký hợp đồng"),
            _c("auctioneer_id", "str", "Tổ chức đấu giá"),
            _c("auction_date", "date", "Ngày đấu giá", nullable=True),
            _c("starting_price", "money", "Giá khởi điểm"),
            _c("outcome", "str", "Kết quả", vocabulary=("sold", "failed", "cancelled")),
            _c("registered_bidders", "int", "Số người đăng ký", nullable=True),
            _c("winning_price", "money", "Giá trúng đấu giá", nullable=True),
            _c("winner_id", "str", "Người trúng đấu giá", nullable=True),
        ), required=False, key=("auction_id",), aliases=("Đấu giá", "dau_gia"),
            parents={"asset_id": "assets"}),
        Table("bids", (
            _c("auction_id", "str", "Mã cuộc đấu giá"),
            _c("bidder_id", "str", "Người tham gia đấu giá"),
            _c("amount", "money", "Giá trả", nullable=True),
        ), required=False, aliases=("Trả giá", "tra_gia"), parents={"auction_id": "auctions"}),
        Table("reported_stats", (
            _c("unit_id", "str", "Mã đơn vị"),
            _c("period_start", "date", "Từ ngày"),
            _c("period_end", "date", "Đến ngày"),
            _c("metric", "str", "Chỉ tiêu", vocabulary=METRICS),
            _c("value", "int", "Giá trị", "Số liệu báo cáo"),
        ), required=False, aliases=("Số liệu báo cáo", "bao_cao"), parents={"unit_id": "units"}),
    )
}

REQUIRED_TABLES = tuple(name for name, t in TABLES.items() if t.required)

for _t in TABLES.values():
    for _col in _t.columns:
        if _col.vocabulary:
            VOCABULARY[(_t.name, _col.name)] = _col.vocabulary

# ---- the findings format -------------------------------------------------
CATEGORIES = (
    "stalled", "deadline", "disbursement", "misclassification", "valuation",
    "auction", "reconciliation", "workload", "data_quality",
)
SEVERITIES = ("high", "medium", "low")
ENTITY_TYPES = (
    "case", "asset", "auction", "complaint", "executor", "unit", "valuer", "auctioneer", "bidder",
)
# RULES.md "Violations and indicators": a violation is proven from the records against a
# legal deadline or definition; an indicator is a lead to verify and never names anyone.
FINDING_KINDS = ("violation", "indicator")

# The contract's columns first, then what the toolkit adds for reviewers:
# whether a violation still holds on the audit date (``ongoing``), the finding
# leading the problem it belongs to (``problem_id``, see audit.problems), the
# date the finding turns on, the days over, the money involved, and for
# data-quality findings the place in the source.
FINDING_COLUMNS = (
    "finding_id", "rule_id", "category", "severity", "entity_type", "entity_id",
    "unit_id", "case_id", "executor_id", "score", "evidence", "legal_basis",
    "finding_kind", "occurred_on", "ongoing", "problem_id", "rule_pack", "event_date", "days_over", "amount",
    "source_table", "source_row", "source_column", "source_value",
)
