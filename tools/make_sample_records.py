#!/usr/bin/env python3
"""Generate the clearly labelled SAMPLE IP records in corpus/records/.

Writes (JSON Lines, UTF-8, one object per line):
  corpus/records/trademarks.sample.jsonl   exactly 2,400 trademark applications/registrations
  corpus/records/patents.sample.jsonl      150 patent / utility-solution records
  corpus/records/designs.sample.jsonl      100 industrial-design records

Everything here is fictional: owners, addresses, numbers and dates are invented.
Every record carries "sample": true and the source string
"Dữ liệu mẫu do dự án sinh ra (không phải dữ liệu thật)". The real-facts file
corpus/records/geographical-indications.jsonl is NOT produced by this script.

The output is reproducible: a single random.Random(2023), a fixed "as of" date
(AS_OF), stdlib only, no clock or hash-order dependence. Schemas and status
rules are documented in corpus/records/README.md.

Usage (from the repo root):  python3 tools/make_sample_records.py
"""
from __future__ import annotations

import json
import random
import unicodedata
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "corpus" / "records"
SOURCE = "Dữ liệu mẫu do dự án sinh ra (không phải dữ liệu thật)"
SEED = 2023
AS_OF = date(2025, 10, 31)          # status of every sample record is computed as of this date
N_TRADEMARKS = 2400
N_PATENTS = 150
N_DESIGNS = 100

rng = random.Random(SEED)
# Fields added later (owner addresses of patents and designs) draw from their own stream, after everything else,
# so that adding them changed no id, mark, date or status of the existing records.
extra_rng = random.Random(SEED + 1)

# --------------------------------------------------------------------------------------------
# Provinces: the 63 provinces / centrally-run cities before the 2025 merger.
# --------------------------------------------------------------------------------------------
PROVINCES = [
    "An Giang", "Bà Rịa - Vũng Tàu", "Bạc Liêu", "Bắc Giang", "Bắc Kạn", "Bắc Ninh", "Bến Tre", "Bình Dương",
    "Bình Định", "Bình Phước", "Bình Thuận", "Cà Mau", "Cao Bằng", "Cần Thơ", "Đà Nẵng", "Đắk Lắk", "Đắk Nông",
    "Điện Biên", "Đồng Nai", "Đồng Tháp", "Gia Lai", "Hà Giang", "Hà Nam", "Hà Nội", "Hà Tĩnh", "Hải Dương",
    "Hải Phòng", "Hậu Giang", "Hòa Bình", "Hưng Yên", "Khánh Hòa", "Kiên Giang", "Kon Tum", "Lai Châu",
    "Lạng Sơn", "Lào Cai", "Lâm Đồng", "Long An", "Nam Định", "Nghệ An", "Ninh Bình", "Ninh Thuận", "Phú Thọ",
    "Phú Yên", "Quảng Bình", "Quảng Nam", "Quảng Ngãi", "Quảng Ninh", "Quảng Trị", "Sóc Trăng", "Sơn La",
    "Tây Ninh", "Thái Bình", "Thái Nguyên", "Thanh Hóa", "Thừa Thiên Huế", "Tiền Giang", "TP. Hồ Chí Minh",
    "Trà Vinh", "Tuyên Quang", "Vĩnh Long", "Vĩnh Phúc", "Yên Bái",
]
assert len(PROVINCES) == 63 and len(set(PROVINCES)) == 63
CITIES = ["Hà Nội", "TP. Hồ Chí Minh", "Hải Phòng", "Đà Nẵng", "Cần Thơ"]
PROVINCE_WEIGHT = {p: 1.0 for p in PROVINCES}
PROVINCE_WEIGHT.update({"TP. Hồ Chí Minh": 16, "Hà Nội": 13, "Đà Nẵng": 3, "Hải Phòng": 2.5, "Cần Thơ": 2,
                        "Bình Dương": 2, "Đồng Nai": 2, "Khánh Hòa": 1.6, "Quảng Ninh": 1.6, "Lâm Đồng": 1.6,
                        "Thanh Hóa": 1.5, "Nghệ An": 1.5, "Đắk Lắk": 1.5, "Bắc Ninh": 1.5, "Long An": 1.4,
                        "Bà Rịa - Vũng Tàu": 1.4, "Thừa Thiên Huế": 1.3, "Kiên Giang": 1.2, "Hải Dương": 1.2})
# The seed report's two provincial IP-asset dashboards are Sóc Trăng and Long An: this share of the generated
# records is moved to them afterwards (see with_owner_fields), so they have enough for a dashboard to show.
DASHBOARD_PROVINCES = {"Sóc Trăng": 0.03, "Long An": 0.03}
# Real enterprises hold several titles (marks, designs, patents): this share of company-held records is given to a
# company already seen in the same province, so the enterprise view and "top owners" have something to show.
SHARED_OWNER_SHARE = 0.15
_companies_by_province: dict[str, list[tuple[str, str, frozenset]]] = {}
STREETS = ["Lê Lợi", "Trần Hưng Đạo", "Nguyễn Huệ", "Hùng Vương", "Quang Trung", "Lý Thường Kiệt", "Trần Phú",
           "Nguyễn Trãi", "Lê Duẩn", "Hai Bà Trưng", "Ngô Quyền", "Phan Chu Trinh", "Nguyễn Du", "Điện Biên Phủ",
           "Lê Thánh Tông", "Nguyễn Văn Cừ", "Võ Thị Sáu", "Trần Quang Khải", "Lý Thái Tổ", "Bà Triệu",
           "Phan Đình Phùng", "Lê Hồng Phong", "Nguyễn Thái Học", "Trần Nhân Tông"]

# --------------------------------------------------------------------------------------------
# People and organisations (fictional)
# --------------------------------------------------------------------------------------------
SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ",
            "Ngô", "Dương", "Lý", "Đinh", "Lâm", "Trịnh", "Mai", "Tô", "Hà", "Lương", "Tạ"]
SURNAME_WEIGHT = [30, 11, 9, 7, 5, 4, 4, 4, 4, 3, 3, 3, 2, 2, 2, 2, 2, 1.5, 1.5, 1.2, 1, 1, 1, 1]
MALE_MIDDLE = ["Văn", "Minh", "Quốc", "Đức", "Hữu", "Thanh", "Gia", "Bảo", "Xuân", "Công"]
FEMALE_MIDDLE = ["Thị", "Ngọc", "Thu", "Kim", "Thanh", "Minh", "Hoài", "Bảo", "Phương", "Diệu"]
MALE_GIVEN = ["Bình", "An", "Hùng", "Tuấn", "Dũng", "Nam", "Phúc", "Khoa", "Long", "Quân", "Sơn", "Hải", "Thành",
              "Hiếu", "Đạt", "Khánh", "Huy", "Tùng", "Trung", "Vinh", "Lộc", "Tài", "Nghĩa", "Toàn"]
FEMALE_GIVEN = ["Lan", "Mai", "Hoa", "Hương", "Linh", "Trang", "Vy", "Thảo", "Hạnh", "Nhung", "Tâm", "Yến",
                "Phương", "Hà", "Ngân", "Oanh", "Quyên", "Thủy", "Uyên", "Xuân", "Châu", "Giang"]

OWNER_CORES = ["An Phú", "Minh Khang", "Phúc Lộc", "Tân Phát", "Thành Đạt", "Hưng Thịnh", "Gia Bảo", "Kim Ngân",
               "Việt Hưng", "Nam Phong", "Đại Phát", "Thiên Ân", "Bảo Ngọc", "Sao Mai", "Hải Đăng", "Trường Sơn",
               "Hồng Hà", "Phương Nam", "Thịnh Phát", "Toàn Cầu", "Nhật Minh", "Quang Anh", "Đức Tín", "Hoàn Mỹ",
               "Tấn Lộc", "Vạn Xuân", "Thái Bình Dương", "Sông Hàn", "Cao Nguyên", "Phú Gia", "Lạc Hồng",
               "Tiến Thành", "Hòa Hợp", "Khải Hoàn", "Nhân Hòa", "Trí Việt", "Ánh Dương", "Hoàng Phát"]


def person(rng_: random.Random) -> str:
    surname = rng_.choices(SURNAMES, SURNAME_WEIGHT)[0]
    if rng_.random() < 0.5:
        return f"{surname} {rng_.choice(MALE_MIDDLE)} {rng_.choice(MALE_GIVEN)}"
    return f"{surname} {rng_.choice(FEMALE_MIDDLE)} {rng_.choice(FEMALE_GIVEN)}"


def address(rng_: random.Random, province: str) -> str:
    return address_in(f"Số {rng_.randint(1, 420)} đường {rng_.choice(STREETS)}", province)


def address_in(street: str, province: str) -> str:
    if province.startswith("TP."):
        where = province
    elif province in CITIES:
        where = f"TP. {province}"
    else:
        where = f"tỉnh {province}"
    return f"{street}, {where}"


# --------------------------------------------------------------------------------------------
# Mark vocabulary
# --------------------------------------------------------------------------------------------
POETIC = ["Thanh Tâm", "Hương Quê", "Quê Nhà", "Đất Việt", "Sông Quê", "Lúa Vàng", "Mây Trắng", "Nắng Hồng",
          "Gió Nam", "Biển Xanh", "Rừng Xanh", "Trăng Non", "Sen Hồng", "Hoa Cau", "Cánh Diều", "Làng Xưa",
          "Bếp Nhà", "Nhà Lá", "Tre Xanh", "Lá Chuối", "Mái Đình", "Cây Đa", "Bến Nước", "Đồng Quê", "Hạt Ngọc",
          "Ngọc Trai", "Ánh Dương", "Bình An", "Thịnh Vượng", "Phú Quý", "Tâm An", "Thiện Tâm", "Chân Quê",
          "Hồn Việt", "Sắc Việt", "Vị Quê", "Hương Sen", "Đồi Gió", "Sương Sớm", "Núi Mây", "Bản Mây", "Đất Đỏ",
          "Hương Rừng", "Phố Cổ", "Ngõ Nhỏ", "Mùa Vàng", "Trúc Xanh", "Thảo Nguyên", "Hoa Sữa", "Lộc Vừng",
          "Cỏ May", "Hoa Ban", "Mai Vàng", "Đào Hồng", "Sao Khuê", "Thiên Phúc", "Hưng Long", "Phát Đạt",
          "Kim Phát", "Tín Nghĩa", "Nhân Tâm", "Minh Tâm", "Ngọc Bích", "Hải Âu", "Cát Vàng", "Dừa Xanh",
          "Lá Sen", "Mầm Xanh", "Hạt Mầm", "Ruộng Bậc", "Suối Ngọc", "Thác Bạc", "Đá Xanh", "Bông Lúa"]
ELDER = ["Cô Ba", "Chú Tư", "Dì Năm", "Ông Sáu", "Bác Hai", "Út Tám", "Mẹ Hiền", "Bà Bảy", "Cậu Chín",
         "Anh Hai", "Chị Ba", "Ông Tám", "Bà Năm", "Cô Út", "Chú Bảy"]
EN_PREFIX = ["Vina", "Viet", "Mekong", "Lotus", "Bamboo", "Green", "Blue", "Sky", "Smart", "Nova", "Eco", "Aqua",
             "Sun", "Star", "Golden", "Silver", "Happy", "Fresh", "Pure", "Bright", "Urban", "Alpha", "Omni", "Zen",
             "Coco", "Jade", "River", "Maple", "Orchid", "Lumi", "Terra", "Kiwi", "Hana", "Miro"]
EN_SUFFIX = ["Tech", "Soft", "Leaf", "Link", "Hub", "Lab", "Net", "Mart", "Care", "Home", "Land", "Farm", "Food",
             "Pay", "Data", "Wave", "Way", "Point", "Nest", "Box", "Tree", "Field", "Bay", "Go", "Mind", "Works",
             "Logic", "Byte", "Craft", "Spark", "Flow", "Path", "Stone", "Bloom"]

# Names that must not appear in generated marks: the fixed test marks, real brands, and the
# names of registered geographical indications (to keep the sample from colliding with real facts).
RESERVED_CORES = ["moc nguyen", "pho viet", "tra sen tay ho", "tay ho", "cua bien", "vinasoft", "tan hue",
                  "moc lan", "kim long"]
REAL_BRANDS = ["vinamilk", "viettel", "vietjet", "vinfast", "vingroup", "vinmart", "vinpearl", "vinalink",
               "greenfeed", "ecopark", "sunhouse", "happyland", "vnpay", "trung nguyen", "highlands",
               "phuc long", "kinh do", "bitis", "sabeco", "habeco", "mobifone", "vinaphone", "vietcombank",
               "vietnam airlines", "sun group", "masan", "hoa phat", "hoa sen", "thien long", "dien quang",
               "rang dong", "minh long", "bat trang", "vietpay", "saigon co.op", "coopmart", "bach hoa xanh",
               "the gioi di dong", "starbucks", "lotus mart", "alphago", "alpha go"]
# Names of the registered geographical indications listed in geographical-indications.jsonl (kept here as a
# fixed list so the sample output does not change when that file is edited).
GI_NAME_LIST = [
    "Phú Quốc", "Mộc Châu", "Buôn Ma Thuột", "Đoan Hùng", "Đại Hoàng", "Quảng Ninh", "Vân Đồn",
    "Bà Rịa - Vũng Tàu", "Huế", "Mường Khương - Bát Xát", "Tú Lệ", "Mù Cang Chải", "Ngọc Linh", "Bình Thuận",
    "Lạng Sơn", "Hải Hậu", "Vinh", "Thanh Hà", "Hòa Lộc", "Phan Thiết", "Hưng Yên", "Ninh Thuận", "Lục Ngạn",
    "Trùng Khánh", "Mèo Vạc", "Tân Cương", "Nga Sơn", "Bắc Kạn", "Yên Châu", "Sơn La", "Văn Yên", "Luận Văn",
    "Phúc Trạch", "Bình Minh", "Cao Phong", "Hàm Yên", "Hương Sơn", "Khánh Hòa", "Chư Sê", "Vĩnh Kim", "Hạ Long",
    "Lý Sơn", "Cầu Đúc", "Bà Đen", "Bến Tre", "Phú Yên", "Yên Tử", "Bạc Liêu",
]


def fold(text: str) -> str:
    """Lower-case, strip Vietnamese diacritics (đ → d), collapse spaces."""
    text = text.replace("đ", "d").replace("Đ", "D")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    return " ".join(text.replace("-", " ").split())


def mark_allowed(mark: str) -> bool:
    f = fold(mark)
    squashed = f.replace(" ", "")
    padded = f" {f} "
    if any(core in f or core.replace(" ", "") in squashed for core in RESERVED_CORES):
        return False
    if any(brand in f or brand.replace(" ", "") in squashed for brand in REAL_BRANDS):
        return False
    return not any(f" {fold(gi)} " in padded for gi in GI_NAME_LIST)


def en_brand(rng_: random.Random) -> str:
    p, s = rng_.choice(EN_PREFIX), rng_.choice(EN_SUFFIX)
    r = rng_.random()
    if r < 0.55:
        return p + s
    if r < 0.85:
        return f"{p} {s}"
    return f"{p}{s} {rng_.choice(['Group', 'Studio', 'Plus', 'Pro', 'Việt Nam', 'One'])}"


def surname_house(rng_: random.Random) -> str:
    s = rng_.choice(SURNAMES[:16])
    return rng_.choice([f"{s} Gia", f"Nhà Họ {s}"])


def viet_core(rng_: random.Random) -> str:
    r = rng_.random()
    if r < 0.6:
        return rng_.choice(POETIC)
    if r < 0.8:
        return rng_.choice(ELDER)
    return surname_house(rng_)


# Sectors. Each mark template carries its own Nice classes and core goods/services, so the mark and the
# goods it is filed for stay consistent ("Nước Mắm X" → class 30, nước mắm). Template tokens:
# {V} Vietnamese core word, {C} commercial-style name ("Hưng Thịnh"), {E} English-style brand,
# {N} shop-style name ("Cô Ba", "Trần Gia").
# "extras": other classes a business in the sector often adds, with suitable goods/services.
def S(weight, industries, templates, extras):
    return {"w": weight, "industries": industries, "templates": templates, "extras": extras}


SECTORS = [
    S(9, ["Cà phê", "Thực phẩm", "Nông sản"], [
        ("Cà Phê {V}", {30: ["cà phê", "cà phê rang xay"]}),
        ("{E} Coffee", {30: ["cà phê", "cà phê hòa tan"]}),
        ("{V} Coffee", {30: ["cà phê rang xay", "cà phê hòa tan"]}),
        ("Trà {V}", {30: ["chè (trà)", "trà túi lọc"]}),
        ("Chè {V}", {30: ["chè (trà)", "chè xanh"]}),
        ("{E} Tea", {30: ["chè (trà)", "đồ uống trên cơ sở chè"]}),
    ], {43: ["quán cà phê", "dịch vụ giải khát"], 35: ["mua bán cà phê và chè", "quảng cáo"],
        32: ["nước giải khát"]}),
    S(10, ["Thực phẩm", "Chế biến thực phẩm", "Nông sản"], [
        ("Bánh {V}", {30: ["bánh kẹo", "bánh ngọt"]}),
        ("Kẹo {V}", {30: ["kẹo", "bánh kẹo"]}),
        ("Mứt {V}", {29: ["mứt quả", "trái cây sấy"]}),
        ("Nước Mắm {V}", {30: ["nước mắm", "nước chấm"]}),
        ("Nước Mắm {N}", {30: ["nước mắm", "nước chấm"]}),
        ("Bánh Tráng {V}", {30: ["bánh tráng"]}),
        ("Chả Lụa {V}", {29: ["chả lụa", "giò"]}),
        ("Hạt Điều {V}", {29: ["hạt điều đã chế biến"]}),
        ("Gạo {V}", {30: ["gạo"]}),
        ("Mật Ong {V}", {30: ["mật ong"]}),
        ("Bún Khô {V}", {30: ["bún, phở khô", "miến"]}),
        ("Bánh Mì {N}", {30: ["bánh mì"]}),
        ("Nem Chua {V}", {29: ["nem chua", "thịt chế biến"]}),
        ("Khô Gà {N}", {29: ["khô gà", "thịt chế biến"]}),
        ("Gia Vị {V}", {30: ["gia vị", "muối tôm"]}),
    ], {35: ["mua bán thực phẩm", "dịch vụ bán lẻ thực phẩm"]}),
    S(5, ["Nông nghiệp", "Nông sản", "Giống cây trồng"], [
        ("Nông Trại {V}", {31: ["rau tươi", "trái cây tươi"]}),
        ("Vườn {V}", {31: ["trái cây tươi", "cây cảnh"]}),
        ("{E} Farm", {31: ["rau tươi", "trái cây tươi"]}),
        ("Cây Giống {V}", {31: ["cây giống", "hạt giống"]}),
        ("Trái Cây {V}", {31: ["trái cây tươi"]}),
        ("{V} Garden", {31: ["cây cảnh", "hoa tươi"]}),
        ("Hoa {V}", {31: ["hoa tươi", "cây cảnh"]}),
        ("Thức Ăn Chăn Nuôi {V}", {31: ["thức ăn chăn nuôi"]}),
    ], {29: ["rau quả sấy khô"], 35: ["mua bán nông sản"],
        44: ["dịch vụ nông nghiệp, làm vườn", "tư vấn kỹ thuật trồng trọt"]}),
    S(3, ["Đồ uống", "Thực phẩm"], [
        ("Bia {V}", {32: ["bia"]}),
        ("Rượu {V}", {33: ["rượu"]}),
        ("Nước Yến {V}", {32: ["nước yến", "nước giải khát"]}),
        ("{E} Water", {32: ["nước khoáng", "nước tinh khiết"]}),
        ("Rượu Vang {V}", {33: ["rượu vang"]}),
        ("Rượu Nếp {N}", {33: ["rượu nếp", "rượu"]}),
        ("Nước Ép {E}", {32: ["nước trái cây"]}),
    ], {35: ["mua bán đồ uống"]}),
    S(9, ["Ẩm thực", "Dịch vụ ăn uống", "Nhà hàng"], [
        ("Quán {N}", {43: ["dịch vụ ăn uống", "quán ăn"]}),
        ("Phở {N}", {43: ["quán phở", "dịch vụ ăn uống"]}),
        ("Bếp {V}", {43: ["dịch vụ nhà hàng", "cung cấp suất ăn"]}),
        ("Nhà Hàng {V}", {43: ["dịch vụ nhà hàng"]}),
        ("{E} Bistro", {43: ["dịch vụ nhà hàng", "quán cà phê"]}),
        ("{E} Kitchen", {43: ["dịch vụ nhà hàng", "dịch vụ ăn uống mang đi"]}),
        ("Lẩu {V}", {43: ["nhà hàng lẩu"]}),
        ("Cơm Niêu {V}", {43: ["dịch vụ nhà hàng"]}),
        ("Bún Bò {N}", {43: ["quán ăn", "dịch vụ ăn uống mang đi"]}),
        ("Bánh Xèo {N}", {43: ["quán ăn"]}),
        ("{V} Quán", {43: ["quán ăn", "dịch vụ ăn uống"]}),
        ("Trà Sữa {E}", {43: ["quán trà sữa"], 30: ["đồ uống trên cơ sở chè"]}),
    ], {30: ["gia vị", "nước chấm"], 35: ["tư vấn nhượng quyền thương mại"], 39: ["giao đồ ăn"]}),
    S(3, ["Du lịch", "Khách sạn", "Dịch vụ lưu trú"], [
        ("Khách Sạn {C}", {43: ["khách sạn", "dịch vụ lưu trú tạm thời"]}),
        ("{E} Hotel", {43: ["khách sạn", "dịch vụ nhà hàng"]}),
        ("{V} Homestay", {43: ["homestay", "dịch vụ lưu trú tạm thời"]}),
        ("{E} Resort", {43: ["khu nghỉ dưỡng", "dịch vụ nhà hàng"]}),
        ("Nhà Nghỉ {C}", {43: ["nhà nghỉ", "dịch vụ lưu trú tạm thời"]}),
    ], {39: ["tổ chức tour du lịch", "cho thuê xe"], 44: ["dịch vụ spa"], 41: ["tổ chức sự kiện"]}),
    S(10, ["Công nghệ", "Phần mềm", "Công nghệ thông tin", "Giải pháp số"], [
        ("{E}", {9: ["phần mềm máy tính", "ứng dụng di động có thể tải về"],
                 42: ["thiết kế và phát triển phần mềm"]}),
        ("{E} Cloud", {42: ["cung cấp phần mềm dạng dịch vụ (SaaS)", "lưu trữ dữ liệu điện tử"]}),
        ("{E} AI", {9: ["phần mềm trí tuệ nhân tạo có thể tải về"], 42: ["phát triển phần mềm trí tuệ nhân tạo"]}),
        ("{E} App", {9: ["ứng dụng di động có thể tải về"]}),
        ("{E} Software", {42: ["thiết kế và phát triển phần mềm", "tư vấn công nghệ thông tin"]}),
        ("{E} Solutions", {42: ["tư vấn công nghệ thông tin", "thiết kế hệ thống máy tính"]}),
    ], {35: ["quảng cáo trực tuyến", "quản lý dữ liệu kinh doanh"], 38: ["truyền dữ liệu"],
        41: ["đào tạo lập trình"], 36: ["dịch vụ thanh toán điện tử"]}),
    S(2, ["Đầu tư", "Tài chính", "Bất động sản"], [
        ("{E} Pay", {36: ["dịch vụ thanh toán điện tử"], 9: ["ứng dụng ví điện tử có thể tải về"]}),
        ("{E} Invest", {36: ["tư vấn đầu tư tài chính"]}),
        ("{E} Land", {36: ["môi giới bất động sản", "cho thuê căn hộ"]}),
        ("Bất Động Sản {C}", {36: ["môi giới bất động sản", "định giá bất động sản"]}),
        ("{E} Finance", {36: ["dịch vụ tài chính"]}),
    ], {35: ["quảng cáo"], 37: ["xây dựng công trình"]}),
    S(5, ["Mỹ phẩm", "Hóa mỹ phẩm"], [
        ("{E} Cosmetics", {3: ["mỹ phẩm", "kem dưỡng da"]}),
        ("{E} Beauty", {3: ["mỹ phẩm", "sữa rửa mặt"]}),
        ("Mỹ Phẩm {V}", {3: ["mỹ phẩm"]}),
        ("Thảo Mộc {V}", {3: ["dầu gội đầu thảo dược", "tinh dầu"]}),
        ("{E} Organic", {3: ["mỹ phẩm hữu cơ", "xà phòng"]}),
        ("Xà Phòng {V}", {3: ["xà phòng thơm"]}),
    ], {44: ["chăm sóc sắc đẹp"], 35: ["mua bán mỹ phẩm"]}),
    S(4, ["Y tế", "Chăm sóc sắc đẹp", "Dịch vụ sức khỏe"], [
        ("{E} Spa", {44: ["dịch vụ spa", "xoa bóp (massage)"]}),
        ("{V} Spa", {44: ["dịch vụ spa", "chăm sóc sắc đẹp"]}),
        ("Nha Khoa {C}", {44: ["dịch vụ nha khoa"]}),
        ("Phòng Khám {C}", {44: ["khám chữa bệnh", "dịch vụ y tế"]}),
        ("Thẩm Mỹ Viện {V}", {44: ["chăm sóc sắc đẹp", "phẫu thuật thẩm mỹ"]}),
        ("{E} Clinic", {44: ["khám chữa bệnh"]}),
        ("Thú Y {V}", {44: ["dịch vụ thú y", "chăm sóc thú cưng"]}),
    ], {3: ["mỹ phẩm"], 41: ["đào tạo nghề chăm sóc sắc đẹp"], 35: ["mua bán mỹ phẩm"]}),
    S(4, ["Dược phẩm", "Dược liệu"], [
        ("{E} Pharma", {5: ["dược phẩm"]}),
        ("Dược Liệu {V}", {5: ["thuốc đông dược", "dược liệu"]}),
        ("Cao {V}", {5: ["cao dược liệu"]}),
        ("{V} Pharma", {5: ["dược phẩm", "thực phẩm bổ sung dinh dưỡng"]}),
        ("Dược {C}", {5: ["dược phẩm"]}),
    ], {35: ["mua bán dược phẩm"], 3: ["mỹ phẩm thảo dược"], 10: ["thiết bị y tế"]}),
    S(6, ["Thời trang", "May mặc"], [
        ("{E} Fashion", {25: ["quần áo", "áo phông"]}),
        ("Thời Trang {V}", {25: ["quần áo"]}),
        ("{E} Studio", {25: ["quần áo", "mũ nón"]}),
        ("Áo Dài {V}", {25: ["áo dài"]}),
        ("Giày {V}", {25: ["giày dép"]}),
        ("Túi {V}", {18: ["túi xách", "ví da"]}),
        ("{E} Wear", {25: ["đồ thể thao", "áo phông"]}),
    ], {35: ["mua bán quần áo trực tuyến"], 14: ["đồ trang sức"], 18: ["túi xách"], 26: ["khuy áo", "ruy băng"]}),
    S(4, ["Nội thất", "Thủ công mỹ nghệ", "Gia dụng"], [
        ("Nội Thất {C}", {20: ["đồ nội thất", "bàn ghế gỗ"]}),
        ("{E} Home", {20: ["đồ nội thất"], 21: ["dụng cụ nhà bếp"]}),
        ("Gốm {V}", {21: ["đồ gốm", "bát đĩa"]}),
        ("Gỗ {C}", {20: ["bàn ghế gỗ", "tủ"]}),
        ("Mây Tre {V}", {20: ["đồ mây tre đan"]}),
        ("Chăn Ga {V}", {24: ["chăn, ga, vỏ gối bằng vải"]}),
        ("{E} Living", {20: ["đồ nội thất", "nệm"]}),
    ], {35: ["mua bán đồ nội thất"], 11: ["đèn chiếu sáng"], 27: ["thảm trải sàn"], 42: ["thiết kế nội thất"]}),
    S(4, ["Xây dựng", "Vật liệu xây dựng"], [
        ("Gạch {C}", {19: ["gạch ốp lát", "gạch xây"]}),
        ("Sơn {E}", {2: ["sơn nước", "sơn chống gỉ"]}),
        ("Thép {C}", {6: ["thép hình", "ống kim loại"]}),
        ("Cửa Nhôm {C}", {6: ["cửa nhôm", "khung nhôm"]}),
        ("Xây Dựng {C}", {37: ["xây dựng công trình", "sửa chữa nhà cửa"]}),
        ("{E} Construction", {37: ["xây dựng công trình"]}),
        ("Đá {C}", {19: ["đá ốp lát"]}),
    ], {35: ["mua bán vật liệu xây dựng"], 37: ["thi công nội thất"], 42: ["thiết kế kiến trúc"]}),
    S(4, ["Giáo dục", "Đào tạo"], [
        ("Anh Ngữ {E}", {41: ["dạy ngoại ngữ"]}),
        ("{E} Academy", {41: ["giáo dục, đào tạo", "đào tạo kỹ năng"]}),
        ("{E} English", {41: ["dạy tiếng Anh"]}),
        ("Học Viện {C}", {41: ["giáo dục, đào tạo"]}),
        ("{E} Kids", {41: ["giáo dục mầm non", "tổ chức hoạt động vui chơi cho trẻ em"]}),
        ("Trường Mầm Non {V}", {41: ["giáo dục mầm non"]}),
        ("Sách {V}", {16: ["sách", "ấn phẩm in"], 41: ["xuất bản sách"]}),
    ], {9: ["bài giảng điện tử có thể tải về"], 16: ["sách giáo khoa"], 35: ["quảng cáo"]}),
    S(5, ["Thương mại", "Truyền thông", "Bán lẻ"], [
        ("{E} Mart", {35: ["dịch vụ bán lẻ thực phẩm", "mua bán hàng tiêu dùng"]}),
        ("Siêu Thị {C}", {35: ["dịch vụ siêu thị", "mua bán hàng tiêu dùng"]}),
        ("{E} Shop", {35: ["mua bán hàng hóa trực tuyến"]}),
        ("{E} Store", {35: ["mua bán hàng hóa trực tuyến", "trưng bày sản phẩm"]}),
        ("Tạp Hóa {N}", {35: ["mua bán hàng tiêu dùng"]}),
        ("{E} Media", {35: ["quảng cáo", "quan hệ công chúng"]}),
        ("{E} Marketing", {35: ["quảng cáo", "nghiên cứu thị trường"]}),
    ], {39: ["giao hàng"], 9: ["ứng dụng mua sắm có thể tải về"], 42: ["thiết kế trang web"],
        41: ["tổ chức sự kiện"]}),
    S(3, ["Vận tải", "Logistics", "Du lịch"], [
        ("{E} Logistics", {39: ["vận chuyển hàng hóa", "dịch vụ kho bãi"]}),
        ("{E} Express", {39: ["giao hàng", "chuyển phát"]}),
        ("Vận Tải {C}", {39: ["vận chuyển hàng hóa", "vận chuyển hành khách"]}),
        ("Du Lịch {C}", {39: ["tổ chức tour du lịch"]}),
        ("{E} Travel", {39: ["tổ chức tour du lịch", "đặt vé máy bay"]}),
        ("{E} Tour", {39: ["tổ chức tour du lịch"]}),
    ], {35: ["xuất nhập khẩu hàng hóa"], 43: ["đặt phòng khách sạn"]}),
    S(2, ["Nông nghiệp", "Phân bón", "Công nghệ sinh học"], [
        ("Phân Bón {C}", {1: ["phân bón hữu cơ", "phân bón vi sinh"]}),
        ("{E} Agro", {1: ["phân bón"], 5: ["thuốc bảo vệ thực vật"]}),
        ("Chế Phẩm {C}", {1: ["chế phẩm sinh học dùng trong nông nghiệp"]}),
        ("{E} Bio", {1: ["chế phẩm vi sinh dùng trong nông nghiệp", "chất cải tạo đất"]}),
    ], {31: ["hạt giống"], 44: ["tư vấn kỹ thuật nông nghiệp"]}),
    S(2, ["Cơ khí", "Chế tạo máy"], [
        ("Máy {C}", {7: ["máy nông nghiệp", "máy xay xát"]}),
        ("{E} Machinery", {7: ["máy đóng gói", "máy chế biến thực phẩm"]}),
        ("Cơ Khí {C}", {7: ["máy nông nghiệp"], 40: ["gia công cơ khí"]}),
        ("{E} Engineering", {7: ["máy bơm"]}),
    ], {37: ["sửa chữa máy móc"], 40: ["gia công cơ khí"], 8: ["dụng cụ cầm tay"]}),
    S(2, ["Điện", "Thiết bị điện", "Năng lượng"], [
        ("{E} Electric", {11: ["đèn chiếu sáng", "thiết bị sưởi"], 9: ["thiết bị điện tử"]}),
        ("Đèn {C}", {11: ["đèn LED", "đèn chiếu sáng"]}),
        ("{E} Solar", {9: ["tấm pin năng lượng mặt trời"], 11: ["bình nước nóng năng lượng mặt trời"]}),
        ("{E} Light", {11: ["đèn LED"]}),
    ], {37: ["lắp đặt thiết bị điện"], 35: ["mua bán thiết bị điện"]}),
    S(1.5, ["Trang sức", "Vàng bạc"], [
        ("Trang Sức {C}", {14: ["đồ trang sức"]}),
        ("Bạc {C}", {14: ["trang sức bằng bạc"]}),
        ("{E} Jewelry", {14: ["đồ trang sức", "đồng hồ"]}),
        ("Vàng Bạc {C}", {14: ["vàng trang sức", "đồ trang sức"]}),
    ], {35: ["mua bán đồ trang sức"]}),
    S(1.5, ["Bao bì", "In ấn"], [
        ("Bao Bì {C}", {16: ["bao bì bằng giấy", "túi giấy"]}),
        ("In Ấn {C}", {40: ["in ấn"], 16: ["ấn phẩm in"]}),
        ("Văn Phòng Phẩm {C}", {16: ["văn phòng phẩm"]}),
        ("{E} Paper", {16: ["giấy", "bao bì bằng giấy"]}),
    ], {35: ["mua bán văn phòng phẩm"], 42: ["thiết kế bao bì"]}),
    S(1.2, ["Dệt may"], [
        ("Lụa {V}", {24: ["lụa tơ tằm", "vải"]}),
        ("Thổ Cẩm {V}", {24: ["vải thổ cẩm"]}),
        ("Dệt {C}", {24: ["vải"], 23: ["sợi chỉ", "chỉ may"]}),
        ("{E} Textile", {24: ["vải"], 23: ["sợi tơ tằm"]}),
    ], {25: ["quần áo"], 26: ["ren"]}),
    S(1.0, ["Đồ chơi", "Thể thao", "Nhạc cụ"], [
        ("Đồ Chơi {V}", {28: ["đồ chơi", "đồ chơi bằng gỗ"]}),
        ("{E} Toys", {28: ["đồ chơi giáo dục"]}),
        ("{E} Sport", {28: ["dụng cụ thể thao"], 25: ["đồ thể thao"]}),
        ("Nhạc Cụ {V}", {15: ["nhạc cụ", "đàn tranh"]}),
    ], {35: ["mua bán đồ chơi"], 41: ["dạy nhạc"]}),
    S(1.0, ["Luật", "Dịch vụ bảo vệ", "Dịch vụ cưới"], [
        ("{E} Law", {45: ["dịch vụ pháp lý", "tư vấn sở hữu trí tuệ"]}),
        ("Luật {C}", {45: ["dịch vụ pháp lý"]}),
        ("Bảo Vệ {C}", {45: ["dịch vụ bảo vệ"]}),
        ("{E} Legal", {45: ["dịch vụ pháp lý"]}),
        ("Cưới {V}", {45: ["tổ chức lễ cưới"]}),
    ], {41: ["tổ chức hội thảo"], 35: ["tư vấn quản lý kinh doanh"]}),
    S(1.0, ["Viễn thông"], [
        ("{E} Telecom", {38: ["dịch vụ viễn thông"]}),
        ("{E} Net", {38: ["cung cấp truy cập Internet"]}),
        ("{E} Connect", {38: ["truyền dữ liệu"], 9: ["thiết bị mạng"]}),
    ], {42: ["lưu trữ dữ liệu điện tử"], 37: ["lắp đặt thiết bị viễn thông"]}),
    S(0.8, ["Năng lượng", "Nhiên liệu"], [
        ("Than {C}", {4: ["than củi"]}),
        ("Dầu Nhớt {E}", {4: ["dầu nhờn"]}),
        ("Nến {C}", {4: ["nến"]}),
        ("{E} Fuel", {4: ["nhiên liệu sinh học", "viên nén gỗ dùng làm chất đốt"]}),
    ], {35: ["mua bán nhiên liệu"]}),
    S(0.8, ["Cao su", "Vật liệu", "Phụ liệu may"], [
        ("Cao Su {C}", {17: ["sản phẩm từ cao su", "ống cao su"]}),
        ("Lưới {C}", {22: ["lưới đánh cá", "dây thừng"]}),
        ("Phụ Liệu {C}", {26: ["khuy áo", "khóa kéo"]}),
        ("Thảm {C}", {27: ["thảm trải sàn"]}),
        ("Chiếu {C}", {27: ["chiếu", "thảm cói"]}),
    ], {35: ["mua bán vật liệu"]}),
    S(0.8, ["Dụng cụ", "Cơ khí"], [
        ("Dao Kéo {C}", {8: ["dao", "kéo"]}),
        ("{E} Tools", {8: ["dụng cụ cầm tay"]}),
        ("Rèn {C}", {8: ["dao", "dụng cụ cầm tay"]}),
    ], {6: ["khóa kim loại"], 21: ["dụng cụ nhà bếp"]}),
    S(0.8, ["Xe điện", "Phương tiện"], [
        ("Xe Đạp {C}", {12: ["xe đạp"]}),
        ("{E} Motor", {12: ["xe máy điện", "phụ tùng xe máy"]}),
        ("Xe Điện {E}", {12: ["xe máy điện"]}),
        ("{E} Bike", {12: ["xe đạp", "xe đạp điện"]}),
    ], {37: ["bảo dưỡng xe"], 39: ["cho thuê xe"]}),
    S(0.8, ["Thiết bị y tế"], [
        ("Thiết Bị Y Tế {C}", {10: ["thiết bị y tế"]}),
        ("{E} Medical", {10: ["máy đo huyết áp", "thiết bị y tế"]}),
        ("{E} Med", {10: ["khẩu trang y tế", "găng tay dùng trong y tế"]}),
    ], {5: ["băng gạc y tế"], 44: ["khám chữa bệnh"]}),
    S(0.6, ["Môi trường", "Gia công"], [
        ("Xử Lý Nước {C}", {40: ["xử lý nước"], 11: ["máy lọc nước"]}),
        ("{E} Recycle", {40: ["tái chế chất thải"]}),
        ("Gia Công {C}", {40: ["gia công cơ khí"]}),
    ], {42: ["kiểm định chất lượng"], 1: ["hóa chất xử lý nước"]}),
    S(0.3, ["Thương mại"], [
        ("Thuốc Lào {C}", {34: ["thuốc lào"]}),
        ("Diêm {C}", {34: ["diêm", "bật lửa"]}),
    ], {35: ["mua bán thuốc lá"]}),
    S(0.3, ["Thiết bị an toàn hàng hải"], [
        ("Pháo Hiệu {C}", {13: ["pháo hiệu", "pháo hiệu dùng trong hàng hải"]}),
    ], {35: ["mua bán thiết bị an toàn"]}),
]
SECTOR_WEIGHTS = [s["w"] for s in SECTORS]
for _s in SECTORS:  # pool of goods per class inside a sector (union of its templates' goods)
    _s["pool"] = {}
    for _tpl, _goods in _s["templates"]:
        for _c, _items in _goods.items():
            for _item in _items:
                _s["pool"].setdefault(_c, [])
                if _item not in _s["pool"][_c]:
                    _s["pool"][_c].append(_item)
_ALL_CLASSES = {c for s in SECTORS for _t, g in s["templates"] for c in g} | {c for s in SECTORS for c in s["extras"]}
assert _ALL_CLASSES == set(range(1, 46)), sorted(set(range(1, 46)) - _ALL_CLASSES)


def sector_goods(sector: dict, core: dict[int, list[str]], extra_classes: list[int],
                 rng_: random.Random) -> tuple[list[int], str]:
    """Nice classes and the goods/services text for one mark."""
    goods: dict[int, list[str]] = {c: list(items) for c, items in core.items()}
    for c in goods:  # sometimes one more item of the same kind from the sector
        more = [g for g in sector["pool"].get(c, []) if g not in goods[c]]
        if more and rng_.random() < 0.4:
            goods[c].append(rng_.choice(more))
    for c in extra_classes:
        if c not in goods:
            items = sector["extras"][c]
            goods[c] = rng_.sample(items, rng_.randint(1, len(items)))
    classes = sorted(goods)
    return classes, "; ".join(f"Nhóm {c}: " + ", ".join(goods[c]) for c in classes)

FIGURATIVE_ELEMENTS = ["bông sen", "chim lạc", "lá tre", "mặt trời mọc", "hạt cà phê", "con rồng", "chiếc nón lá",
                       "ngôi nhà mái ngói", "con cá chép", "bông lúa", "cây dừa", "giọt nước", "ngọn núi",
                       "cánh diều", "con trâu", "bánh xe", "chiếc lá", "ngôi sao", "con hạc", "vầng trăng"]
FIGURATIVE_STYLES = ["cách điệu", "trong vòng tròn", "trên nền hình vuông", "dạng nét vẽ tay", "trong khiên",
                     "lồng trong chữ cái", "dạng hình học"]
FIGURATIVE_COLOURS = ["màu xanh lá", "màu đỏ", "màu vàng", "màu xanh dương", "màu nâu", "đen trắng",
                      "màu cam", "nhiều màu"]


def render_template(tpl: str, rng_: random.Random) -> str:
    out = tpl
    if "{V}" in out:
        out = out.replace("{V}", viet_core(rng_))
    if "{E}" in out:
        out = out.replace("{E}", en_brand(rng_))
    if "{C}" in out:
        out = out.replace("{C}", rng_.choice(OWNER_CORES) if rng_.random() < 0.7 else rng_.choice(POETIC))
    if "{N}" in out:
        out = out.replace("{N}", rng_.choice(ELDER + [surname_house(rng_)]))
    return out


# --------------------------------------------------------------------------------------------
# Date helpers
# --------------------------------------------------------------------------------------------
def add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def add_months(d: date, months: int) -> date:
    m = d.month - 1 + months
    y, m = d.year + m // 12, m % 12 + 1
    day = min(d.day, [31, 29 if y % 4 == 0 and (y % 100 or y % 400 == 0) else 28, 31, 30, 31, 30, 31, 31, 30, 31,
                      30, 31][m - 1])
    return date(y, m, day)


def iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


YEAR_WEIGHT = {2010: 3, 2011: 3, 2012: 3.5, 2013: 4, 2014: 4, 2015: 4.5, 2016: 5, 2017: 5.5, 2018: 6, 2019: 6.5,
               2020: 6.5, 2021: 7, 2022: 7.5, 2023: 7.5, 2024: 8, 2025: 6}
LAST_FILING = date(2025, 9, 30)


def random_filing(rng_: random.Random, first_year: int = 2010) -> date:
    years = [y for y in YEAR_WEIGHT if y >= first_year]
    year = rng_.choices(years, [YEAR_WEIGHT[y] for y in years])[0]
    start = date(year, 1, 1)
    end = min(date(year, 12, 31), LAST_FILING)
    return start + timedelta(days=rng_.randint(0, (end - start).days))


def weighted_province(rng_: random.Random) -> str:
    return rng_.choices(PROVINCES, [PROVINCE_WEIGHT[p] for p in PROVINCES])[0]


def number_applications(records: list[dict], prefix: str, per_year_max: int) -> None:
    """Assign application numbers "<prefix>-YYYY-NNNNN", increasing with filing date inside each year."""
    by_year: dict[int, list[dict]] = {}
    for r in sorted(records, key=lambda r: (r["filing_date"], r["_order"])):
        by_year.setdefault(int(r["filing_date"][:4]), []).append(r)
    for year in sorted(by_year):
        last = 0
        for r in by_year[year]:
            doy = date.fromisoformat(r["filing_date"]).timetuple().tm_yday
            n = max(last + 1, int(doy / 366 * per_year_max) + rng.randint(0, 40))
            r["id"] = f"{prefix}-{year}-{n:05d}"
            last = n


def number_registrations(records: list[dict], date_key: str, fmt: str, start: int, per_day: float,
                         origin: date) -> None:
    """Assign registration numbers increasing with the registration/grant date."""
    granted = [r for r in records if r.get(date_key)]
    last = 0
    for r in sorted(granted, key=lambda r: (r[date_key], r["_order"])):
        days = (date.fromisoformat(r[date_key]) - origin).days
        n = max(last + 1, start + int(days * per_day) + rng.randint(0, 25))
        r["registration_number"] = fmt.format(n)
        last = n


# --------------------------------------------------------------------------------------------
# Trademarks
# --------------------------------------------------------------------------------------------
FIXED_TRADEMARKS = [
    # mark, mark_type, classes, goods_services, owner, province, filing, publication, registration, status
    ("Cà Phê Mộc Nguyên", "combined", [30, 43],
     "Nhóm 30: cà phê, cà phê rang xay, cà phê hòa tan, chè (trà); Nhóm 43: quán cà phê, dịch vụ nhà hàng",
     "Công ty TNHH Cà phê Mộc Nguyên", "Lâm Đồng", "2019-03-12", "2019-05-20", "2020-06-15", "registered"),
    ("PHỞ VIỆT", "word", [43],
     "Nhóm 43: dịch vụ nhà hàng, quán ăn, dịch vụ ăn uống mang đi",
     "Công ty TNHH Ẩm thực Phở Việt", "Hà Nội", "2017-08-21", "2017-10-25", "2018-11-05", "registered"),
    ("Trà Sen Tây Hồ", "combined", [30],
     "Nhóm 30: chè (trà), trà ướp hoa sen, trà túi lọc",
     "Hộ kinh doanh Nguyễn Thị Thu Hà", "Hà Nội", "2018-05-07", "2018-07-16", "2019-08-26", "registered"),
    ("Nước Mắm Cửa Biển", "combined", [30],
     "Nhóm 30: nước mắm, nước chấm, gia vị",
     "Công ty TNHH Thủy sản Cửa Biển", "Khánh Hòa", "2020-09-14", "2020-11-23", "2021-12-20", "registered"),
    ("VinaSoft Cloud", "word", [9, 42],
     "Nhóm 9: phần mềm máy tính, ứng dụng di động có thể tải về; Nhóm 42: thiết kế và phát triển phần mềm, "
     "cung cấp phần mềm dạng dịch vụ (SaaS), lưu trữ dữ liệu điện tử",
     "Công ty Cổ phần Công nghệ VinaSoft", "TP. Hồ Chí Minh", "2021-04-19", "2021-06-28", "2022-09-12",
     "registered"),
    ("Bánh Pía Sóc Trăng Tân Huê", "combined", [30],
     "Nhóm 30: bánh pía, bánh in, bánh kẹo",
     "Công ty TNHH Thực phẩm Tân Huê", "Sóc Trăng", "2016-10-03", "2016-12-12", "2018-01-22", "registered"),
    ("Mộc Lan Spa", "combined", [44],
     "Nhóm 44: dịch vụ spa, chăm sóc sắc đẹp, xoa bóp (massage)",
     "Hộ kinh doanh Trần Thị Mộc Lan", "Đà Nẵng", "2025-03-17", "2025-05-26", None, "pending"),
    ("Kim Long Garden", "word", [31],
     "Nhóm 31: cây giống, hoa tươi, cây cảnh, trái cây tươi",
     "Công ty TNHH Nông nghiệp Kim Long", "Thừa Thiên Huế", "2012-06-11", "2012-08-20", "2013-09-30", "expired"),
]


def trademark_owner(rng_: random.Random, industry_words: list[str], mark: str, mark_type: str) -> str:
    r = rng_.random()
    industry = rng_.choice(industry_words)
    if r < 0.22:
        return f"Hộ kinh doanh {person(rng_)}"
    if r < 0.30:
        return person(rng_)
    if r < 0.34 and industry in ("Nông nghiệp", "Nông sản", "Thực phẩm", "Giống cây trồng", "Cà phê"):
        return f"Hợp tác xã {industry} {rng_.choice(OWNER_CORES)}"
    if industry == "Luật":
        return f"Công ty Luật TNHH {rng_.choice(OWNER_CORES)}"
    form = "Công ty TNHH" if rng_.random() < 0.7 else "Công ty Cổ phần"
    if mark_type != "figurative" and not mark.isupper() and len(mark) <= 24 and rng_.random() < 0.35:
        if fold(mark).startswith(fold(industry)):  # "Dược Liệu X" → "Công ty TNHH Dược liệu X"
            return f"{form} {industry}{mark[len(industry):]}"
        if fold(mark).endswith(fold(industry)) or fold(mark).split(" ")[-1] in ("logistics", "pharma", "fashion"):
            return f"{form} {mark}"
        return f"{form} {industry} {mark}"
    return f"{form} {industry} {rng_.choice(OWNER_CORES)}"


def trademark_lifecycle(rng_: random.Random, filing: date) -> tuple[date | None, date | None, str]:
    """Return (publication_date, registration_date, status) as of AS_OF (before expiry/termination rules)."""
    r = rng_.random()
    if r < 0.07:  # stopped at formal examination: withdrawn or refused, never published
        decided = filing + timedelta(days=rng_.randint(30, 150))
        if decided > AS_OF:
            return None, None, "pending"
        return None, None, "withdrawn" if r < 0.04 else "refused"
    publication = filing + timedelta(days=rng_.randint(35, 95))
    if publication > AS_OF:
        return None, None, "pending"
    decided = publication + timedelta(days=rng_.randint(240, 700))
    if decided > AS_OF:
        return publication, None, "pending"
    r = rng_.random()
    if r < 0.13:
        return publication, None, "refused"
    if r < 0.16:
        return publication, None, "withdrawn"
    registration = decided + timedelta(days=rng_.randint(20, 75))
    if registration > AS_OF:
        return publication, None, "pending"
    return publication, registration, "registered"


def make_trademarks() -> list[dict]:
    n_random = N_TRADEMARKS - len(FIXED_TRADEMARKS)
    provinces = [p for p in PROVINCES for _ in range(3)]
    provinces += [weighted_province(rng) for _ in range(n_random - len(provinces))]
    rng.shuffle(provinces)

    seen: set[str] = set()
    for fixed in FIXED_TRADEMARKS:
        seen.add(fold(fixed[0]).replace(" ", ""))
    records = []
    for i in range(n_random):
        sector = rng.choices(SECTORS, SECTOR_WEIGHTS)[0]
        template, core_goods = rng.choice(sector["templates"])
        extra_classes = [c for c in sorted(sector["extras"]) if rng.random() < 0.15][:2]
        classes, goods = sector_goods(sector, core_goods, extra_classes, rng)
        industries = sector["industries"]

        r = rng.random()
        mark_type = "figurative" if r < 0.04 else ("word" if r < 0.52 else "combined")
        for _attempt in range(200):
            if mark_type == "figurative":
                mark = (f"Hình: {rng.choice(FIGURATIVE_ELEMENTS)} {rng.choice(FIGURATIVE_STYLES)}, "
                        f"{rng.choice(FIGURATIVE_COLOURS)}")
            else:
                mark = render_template(template, rng)
                if rng.random() < 0.12:
                    mark = mark.upper()
            key = fold(mark).replace(" ", "")
            if key not in seen and (mark_type == "figurative" or mark_allowed(mark)):
                break
        else:
            raise RuntimeError("could not generate a unique mark")
        seen.add(key)

        province = provinces[i]
        filing = random_filing(rng)
        publication, registration, status = trademark_lifecycle(rng, filing)
        expiry = add_years(filing, 10) if registration else None
        if registration:
            if expiry <= AS_OF:
                status = "expired"
            elif registration < AS_OF - timedelta(days=365):
                t = rng.random()
                if t < 0.02:
                    status = "terminated"
                elif t < 0.03:
                    status = "invalidated"
        records.append({
            "_order": i,
            "id": None,
            "ip_type": "trademark",
            "registration_number": None,
            "mark": mark,
            "mark_type": mark_type,
            "nice_classes": classes,
            "goods_services": goods,
            "owner": trademark_owner(rng, industries, mark, mark_type),
            "owner_address": address(rng, province),
            "province": province,
            "filing_date": iso(filing),
            "publication_date": iso(publication),
            "registration_date": iso(registration),
            "expiry_date": iso(expiry),
            "status": status,
            "sample": True,
            "source": SOURCE,
        })

    for j, (mark, mtype, classes, goods, owner, province, filing, pub, reg, status) in enumerate(FIXED_TRADEMARKS):
        fdate = date.fromisoformat(filing)
        records.append({
            "_order": n_random + j, "id": None, "ip_type": "trademark", "registration_number": None,
            "mark": mark, "mark_type": mtype, "nice_classes": classes, "goods_services": goods, "owner": owner,
            "owner_address": address(rng, province), "province": province, "filing_date": filing,
            "publication_date": pub, "registration_date": reg,
            "expiry_date": iso(add_years(fdate, 10)) if reg else None, "status": status,
            "sample": True, "source": SOURCE,
        })

    number_applications(records, "4", per_year_max=60000)
    number_registrations(records, "registration_date", "4-0{:06d}-000", start=160000, per_day=70,
                         origin=date(2011, 1, 1))
    records.sort(key=lambda r: (r["filing_date"], r["id"]))
    return records


# --------------------------------------------------------------------------------------------
# Patents and utility solutions
# --------------------------------------------------------------------------------------------
CROPS = ["lúa", "cà phê", "hồ tiêu", "thanh long", "sầu riêng", "chè", "xoài", "bưởi", "điều", "mía"]
HERBS = ["gừng", "nghệ", "diệp hạ châu", "đinh lăng", "lá vối", "atiso", "trà xanh", "rau má"]
RESIDUES = ["rơm rạ", "vỏ cà phê", "bã mía", "xơ dừa", "vỏ trấu"]
AQUA = ["tôm thẻ chân trắng", "cá tra", "cua biển", "cá rô phi", "sò huyết"]
FIBRES = ["tre", "vỏ trấu", "xơ dừa", "bã mía"]
OILS = ["tràm", "sả", "quế", "vỏ bưởi"]
FRUITS = ["xoài", "thanh long", "sầu riêng", "bưởi", "vải thiều"]
WASTEWATER = ["chế biến thủy sản", "làng nghề", "chăn nuôi", "chế biến tinh bột"]

PATENT_TOPICS = [
    # (title template, ipc list, abstract detail, benefit)
    ("Quy trình rang và bảo quản cà phê hạt giữ hương", ["A23F 5/04"],
     "quy trình gồm các bước phân loại hạt, rang theo hai giai đoạn nhiệt độ và làm nguội nhanh bằng khí trơ",
     "giữ được hương thơm và giảm vị đắng gắt của cà phê"),
    ("Máy rang cà phê dùng nhiệt gián tiếp có bộ điều khiển nhiệt độ", ["A23N 12/00"],
     "máy gồm lồng rang quay, buồng gia nhiệt gián tiếp và cảm biến nhiệt nối với bộ điều khiển",
     "hạt cà phê chín đều, giảm cháy cục bộ"),
    ("Quy trình sản xuất trà túi lọc từ {herb}", ["A23F 3/00"],
     "nguyên liệu được sơ chế, sấy ở nhiệt độ thấp, nghiền và phối trộn trước khi đóng túi lọc",
     "sản phẩm giữ được màu và hoạt chất tự nhiên"),
    ("Quy trình sản xuất nước mắm rút ngắn thời gian ủ chượp", ["A23L 27/00", "A23L 17/00"],
     "cá được ướp muối theo tỷ lệ phân đoạn và ủ có kiểm soát nhiệt độ, bổ sung enzyme thủy phân tự nhiên",
     "rút ngắn thời gian ủ mà vẫn đạt độ đạm mong muốn"),
    ("Phương pháp nuôi {aqua} thương phẩm trong hệ thống tuần hoàn", ["A01K 61/00"],
     "hệ thống gồm bể nuôi, bể lắng, bộ lọc sinh học và thiết bị bổ sung ô-xy hoạt động theo chu trình khép kín",
     "tiết kiệm nước và giảm dịch bệnh"),
    ("Hệ thống tưới nhỏ giọt tự động cho cây {crop}", ["A01G 25/00"],
     "hệ thống dùng cảm biến độ ẩm đất điều khiển van điện từ theo từng khu vực tưới",
     "tiết kiệm nước và phân bón"),
    ("Chế phẩm sinh học xử lý {residue} làm phân bón hữu cơ", ["C05F 11/00", "C05F 17/00"],
     "chế phẩm chứa tổ hợp vi sinh vật phân giải xenlulo được phối trộn với phụ phẩm và ủ hiếu khí",
     "rút ngắn thời gian ủ và giảm mùi"),
    ("Chế phẩm thảo dược chứa chiết xuất {herb}", ["A61K 36/00"],
     "chế phẩm gồm cao chiết dược liệu và tá dược, được bào chế dưới dạng viên nang",
     "dễ sử dụng và bảo quản"),
    ("Kem dưỡng da chứa chiết xuất {herb}", ["A61K 8/00", "A61Q 19/00"],
     "kem gồm pha dầu, pha nước và cao chiết thực vật được nhũ hóa ở nhiệt độ thấp",
     "ổn định, ít gây kích ứng da"),
    ("Hệ thống xử lý nước thải {wastewater} bằng phương pháp sinh học", ["C02F 3/00"],
     "hệ thống gồm bể điều hòa, bể kỵ khí, bể hiếu khí có giá thể di động và bể lắng",
     "nước sau xử lý đạt yêu cầu xả thải với chi phí vận hành thấp"),
    ("Thiết bị lọc nước uống dùng năng lượng mặt trời", ["C02F 1/00"],
     "thiết bị gồm tấm thu nhiệt, buồng chưng cất và bộ lọc than hoạt tính",
     "cung cấp nước uống cho vùng thiếu điện"),
    ("Máy sấy {crop} sử dụng bơm nhiệt", ["F26B 3/00"],
     "máy gồm buồng sấy nhiều khay, bơm nhiệt và quạt tuần hoàn khí có thu hồi ẩm",
     "tiết kiệm điện năng và giữ màu sản phẩm"),
    ("Máy xát vỏ lúa có bộ phận tách cám", ["B02B 3/00"],
     "máy gồm cụm rulo cao su, sàng rung và quạt hút tách cám",
     "giảm tỷ lệ gạo gãy"),
    ("Hệ thống quản lý kho hàng dựa trên nhận dạng mã QR", ["G06Q 10/00"],
     "hệ thống gồm thiết bị quét, máy chủ và ứng dụng di động cập nhật tồn kho theo thời gian thực",
     "giảm sai sót khi kiểm kê"),
    ("Phương pháp truy xuất nguồn gốc nông sản sử dụng chuỗi khối", ["G06Q 50/00"],
     "dữ liệu từng khâu sản xuất được ghi vào sổ cái phân tán và liên kết với mã định danh trên bao bì",
     "người mua kiểm tra được nguồn gốc sản phẩm"),
    ("Phương pháp phân loại {fruit} bằng xử lý ảnh và mạng nơ-ron", ["G06N 3/00", "G06T 7/00"],
     "ảnh chụp quả trên băng chuyền được mô hình mạng nơ-ron phân tích để xác định kích thước và khuyết tật",
     "tăng tốc độ và độ đồng đều khi phân loại"),
    ("Thiết bị giám sát chất lượng nước ao nuôi thủy sản kết nối Internet", ["G01N 33/00", "H04L 67/00"],
     "thiết bị đo độ pH, ô-xy hòa tan, nhiệt độ và gửi dữ liệu lên máy chủ qua mạng không dây",
     "người nuôi nhận cảnh báo sớm khi chỉ số bất thường"),
    ("Trạm đổi pin cho xe máy điện", ["B60L 53/00"],
     "trạm gồm tủ chứa pin có ngăn sạc độc lập, bộ nhận dạng pin và hệ thống quản lý sạc",
     "rút ngắn thời gian chờ của người dùng"),
    ("Tấm vật liệu xây dựng từ {fibre} ép", ["E04C 2/00", "B27N 3/00"],
     "sợi nguyên liệu được xử lý, trộn chất kết dính và ép nóng thành tấm",
     "nhẹ, cách nhiệt và tận dụng phụ phẩm nông nghiệp"),
    ("Gạch không nung sử dụng tro xỉ nhiệt điện", ["C04B 28/00"],
     "phối liệu gồm tro xỉ, xi măng, cát và phụ gia được ép định hình và bảo dưỡng ẩm",
     "giảm chất thải và không cần nung"),
    ("Phin pha cà phê có bộ phận điều chỉnh tốc độ nhỏ giọt", ["A47J 31/00"],
     "phin gồm thân, nắp nén có ren và đáy có các lỗ thoát với van trượt điều chỉnh tiết diện",
     "người dùng chủ động được độ đậm của cà phê"),
    ("Quy trình sản xuất bánh tráng không dùng chất bảo quản", ["A21D 13/00"],
     "bột gạo được tráng mỏng, hấp chín và sấy hai giai đoạn trong môi trường kiểm soát độ ẩm",
     "kéo dài thời gian bảo quản"),
    ("Quy trình chiết xuất tinh dầu {oil} bằng hơi nước", ["C11B 9/00"],
     "nguyên liệu được cắt nhỏ, chưng cất lôi cuốn hơi nước và phân tách tinh dầu bằng bình chiết",
     "hiệu suất thu hồi tinh dầu cao"),
    ("Chế phẩm sinh học phòng trừ sâu hại trên cây {crop}", ["A01N 63/00"],
     "chế phẩm chứa bào tử nấm có ích và chất mang được phối trộn dạng bột thấm nước",
     "giảm sử dụng thuốc hóa học"),
    ("Bao bì tự phân hủy từ tinh bột sắn", ["B65D 65/00", "C08L 3/00"],
     "tinh bột sắn được biến tính, phối trộn chất hóa dẻo và ép đùn thành màng",
     "bao bì phân hủy trong điều kiện tự nhiên"),
    ("Hệ thống đặt lịch khám bệnh trực tuyến", ["G16H 40/00"],
     "hệ thống gồm ứng dụng người bệnh, máy chủ điều phối và giao diện cho cơ sở khám chữa bệnh",
     "giảm thời gian chờ tại cơ sở y tế"),
]

APPLICANT_ORGS = ["Công ty TNHH Công nghệ {c}", "Công ty Cổ phần Nông nghiệp {c}", "Công ty TNHH Cơ khí {c}",
                  "Công ty Cổ phần Thực phẩm {c}", "Công ty TNHH Môi trường {c}", "Công ty Cổ phần Dược phẩm {c}",
                  "Công ty TNHH Giải pháp số {c}", "Công ty Cổ phần Vật liệu {c}"]
APPLICANT_INSTITUTES = ["Viện Nghiên cứu Ứng dụng Công nghệ {c}", "Trung tâm Nghiên cứu Phát triển {c}",
                        "Trường Đại học Kỹ thuật {c}", "Viện Công nghệ Sinh học {c}"]


def fill_topic(text: str, rng_: random.Random) -> str:
    return (text.replace("{herb}", rng_.choice(HERBS)).replace("{aqua}", rng_.choice(AQUA))
            .replace("{crop}", rng_.choice(CROPS)).replace("{residue}", rng_.choice(RESIDUES))
            .replace("{fibre}", rng_.choice(FIBRES)).replace("{oil}", rng_.choice(OILS))
            .replace("{fruit}", rng_.choice(FRUITS)).replace("{wastewater}", rng_.choice(WASTEWATER)))


def title_variants(title: str) -> list[str]:
    first = title.split(" ")[0]
    if first in ("Máy", "Thiết", "Hệ", "Trạm", "Phin"):
        return [" dạng mô-đun", " có bộ điều khiển tự động", " tiết kiệm năng lượng", " quy mô nhỏ"]
    if first in ("Quy", "Phương"):
        return [" quy mô công nghiệp", " quy mô nhỏ", " sử dụng nguyên liệu địa phương"]
    if first in ("Chế", "Kem"):
        return [" dạng bột", " dạng lỏng", " dạng gel"]
    return [" cải tiến", " nhiều lớp", " có gia cường"]


def make_patents() -> list[dict]:
    records = []
    titles: set[str] = set()
    for i in range(N_PATENTS):
        utility = rng.random() < 0.35
        for _attempt in range(200):
            tpl, ipc, detail, benefit = rng.choice(PATENT_TOPICS)
            title = fill_topic(tpl, rng)
            if title in titles and _attempt >= 20:
                title += rng.choice(title_variants(title))
            if title not in titles:
                break
        else:
            raise RuntimeError("could not generate a unique patent title")
        titles.add(title)
        province = weighted_province(rng)
        r = rng.random()
        if r < 0.6:
            applicant = rng.choice(APPLICANT_ORGS).format(c=rng.choice(OWNER_CORES))
        elif r < 0.85:
            applicant = rng.choice(APPLICANT_INSTITUTES).format(c=rng.choice(OWNER_CORES))
        else:
            applicant = person(rng)
        inventors = [applicant] if r >= 0.85 else []  # an individual applicant is also the inventor
        n_inventors = rng.randint(1, 4)
        while len(inventors) < n_inventors:
            name = person(rng)
            if name not in inventors:
                inventors.append(name)

        filing = random_filing(rng)
        publication = add_months(filing, 18) + timedelta(days=rng.randint(0, 28))
        if publication > AS_OF:
            publication = None
        span = rng.randint(20, 48) if utility else rng.randint(30, 66)
        decided = add_months(filing, span)
        grant = None
        if decided > AS_OF:
            status = "pending"
        else:
            o = rng.random()
            if o < 0.18:
                status = "refused"
            elif o < 0.28:
                status = "withdrawn"
            else:
                grant = decided + timedelta(days=rng.randint(15, 60))
                status = "registered" if grant <= AS_OF else "pending"
                if grant > AS_OF:
                    grant = None
        expiry = add_years(filing, 10 if utility else 20) if grant else None
        if grant:
            if expiry <= AS_OF:
                status = "expired"
            elif grant < AS_OF - timedelta(days=365) and rng.random() < 0.2:
                status = "terminated"  # maintenance fee not paid
        kind = "Giải pháp hữu ích" if utility else "Sáng chế"
        abstract = (f"{kind} đề cập đến {title[0].lower() + title[1:]}. Theo {kind.lower()}, {detail}. "
                    f"Giải pháp giúp {benefit}.")
        records.append({
            "_order": i, "id": None, "ip_type": "utility_solution" if utility else "patent",
            "registration_number": None, "title": title, "ipc": ipc, "applicant": applicant,
            "inventors": inventors, "province": province, "filing_date": iso(filing),
            "publication_date": iso(publication), "grant_date": iso(grant), "expiry_date": iso(expiry),
            "status": status, "abstract": abstract, "sample": True, "source": SOURCE,
        })

    patents = [r for r in records if r["ip_type"] == "patent"]
    utilities = [r for r in records if r["ip_type"] == "utility_solution"]
    number_applications(patents, "1", per_year_max=9000)
    number_applications(utilities, "2", per_year_max=900)
    number_registrations(patents, "grant_date", "1-00{:05d}-000", start=9000, per_day=5.5, origin=date(2011, 1, 1))
    number_registrations(utilities, "grant_date", "2-000{:04d}-000", start=900, per_day=0.5,
                         origin=date(2011, 1, 1))
    records.sort(key=lambda r: (r["filing_date"], r["id"]))
    return records


# --------------------------------------------------------------------------------------------
# Industrial designs
# --------------------------------------------------------------------------------------------
DESIGN_PRODUCTS = [
    ("Chai đựng nước mắm", "09-01"), ("Chai đựng nước giải khát", "09-01"), ("Lọ đựng mật ong", "09-01"),
    ("Hộp đựng bánh pía", "09-03"), ("Hộp đựng trà", "09-03"), ("Hộp đựng mỹ phẩm", "09-03"),
    ("Túi đựng cà phê", "09-05"), ("Bao bì gói mì", "09-05"), ("Ghế gỗ", "06-01"), ("Ghế mây", "06-01"),
    ("Bàn trà", "06-03"), ("Tủ kệ", "06-04"), ("Bát sứ", "07-01"), ("Bộ ấm chén", "07-01"), ("Nồi", "07-02"),
    ("Chảo chống dính", "07-02"), ("Nón lá thời trang", "02-03"), ("Dép", "02-04"), ("Giày thể thao", "02-04"),
    ("Áo dài", "02-02"), ("Túi xách", "03-01"), ("Ví cầm tay", "03-01"), ("Vòng tay", "11-01"),
    ("Nhẫn", "11-01"), ("Tượng trang trí", "11-02"), ("Lọ hoa", "11-02"), ("Xe máy điện", "12-11"),
    ("Xe đạp", "12-11"), ("Điện thoại di động", "14-03"), ("Quạt điện", "23-04"), ("Đèn trang trí", "26-05"),
    ("Lược", "28-03"), ("Bánh trung thu", "01-01"), ("Kẹo dừa", "01-01"),
]
DESIGN_INDUSTRY = {"01": ["Thực phẩm", "Bánh kẹo"], "02": ["Thời trang", "May mặc"], "03": ["Đồ da", "Thời trang"],
                   "06": ["Nội thất", "Đồ gỗ"], "07": ["Gia dụng", "Gốm sứ"], "09": ["Bao bì", "Nhựa bao bì"],
                   "11": ["Trang sức", "Thủ công mỹ nghệ"], "12": ["Xe điện", "Cơ khí"], "14": ["Điện tử"],
                   "23": ["Điện máy"], "26": ["Chiếu sáng", "Thiết bị điện"], "28": ["Gia dụng", "Mỹ phẩm"]}
DESIGN_FEATURES = ["thân hình trụ thon dần về phía cổ", "nắp hình chóp cụt", "mặt trước có họa tiết hoa sen dập nổi",
                   "các cạnh được bo tròn", "tay cầm dạng vòm", "chân đế hình chữ X", "bề mặt chia ô hình thoi",
                   "đường viền uốn lượn theo hình sóng nước", "phần đế rộng, ổn định", "họa tiết trống đồng cách điệu",
                   "thân dẹt có eo ở giữa", "mặt trên vát chéo", "khung mảnh bằng các thanh song song",
                   "quai xách liền khối với thân"]


def make_designs() -> list[dict]:
    records = []
    for i in range(N_DESIGNS):
        title, locarno = rng.choice(DESIGN_PRODUCTS)
        province = weighted_province(rng)
        if rng.random() < 0.75:
            form = "Công ty TNHH" if rng.random() < 0.7 else "Công ty Cổ phần"
            owner = f"{form} {rng.choice(DESIGN_INDUSTRY[locarno[:2]])} {rng.choice(OWNER_CORES)}"
        else:
            owner = f"Hộ kinh doanh {person(rng)}"
        filing = random_filing(rng)
        decided = add_months(filing, rng.randint(8, 20))
        registration = None
        if decided > AS_OF:
            status = "pending"
        else:
            o = rng.random()
            if o < 0.15:
                status = "refused"
            elif o < 0.20:
                status = "withdrawn"
            else:
                registration, status = decided, "registered"
        expiry = add_years(filing, 5) if registration else None
        if registration and expiry <= AS_OF:
            status = "expired"
        f1, f2 = rng.sample(DESIGN_FEATURES, 2)
        description = f"Kiểu dáng {title.lower()} có {f1}; {f2}."
        records.append({
            "_order": i, "id": None, "ip_type": "design", "registration_number": None, "title": title,
            "locarno_class": locarno, "owner": owner, "province": province, "filing_date": iso(filing),
            "registration_date": iso(registration), "expiry_date": iso(expiry), "status": status,
            "description": description, "sample": True, "source": SOURCE,
        })
    number_applications(records, "3", per_year_max=3000)
    number_registrations(records, "registration_date", "3-00{:05d}-000", start=14000, per_day=6,
                         origin=date(2011, 1, 1))
    records.sort(key=lambda r: (r["filing_date"], r["id"]))
    return records


# --------------------------------------------------------------------------------------------
def write_jsonl(path: Path, records: list[dict]) -> None:
    ids = [r["id"] for r in records]
    assert len(ids) == len(set(ids)), f"duplicate ids in {path.name}"
    with path.open("w", encoding="utf-8", newline="\n") as f:
        for r in records:
            f.write(json.dumps({k: v for k, v in r.items() if not k.startswith("_")}, ensure_ascii=False) + "\n")
    print(f"wrote {path.relative_to(REPO)}: {len(records)} records")


def with_owner_fields(records: list[dict]) -> list[dict]:
    """Every kind gets the owner fields a register export carries: `owner`, `owner_address`, `owner_province`.

    `owner_province` is the province of the owner's address, in the 63-province list used before the 2025 merger
    (assistant/data/provinces.json maps it to the 34). `province` stays as it was (same value) for older readers.
    """
    fixed_marks = {f[0] for f in FIXED_TRADEMARKS}
    out = []
    for r in records:
        r = dict(r)
        draw, edge = extra_rng.random(), 0.0
        for province, share in DASHBOARD_PROVINCES.items():
            edge += share
            if draw < edge and r.get("mark") not in fixed_marks and r["province"] != province:
                if "owner_address" in r:  # "Số 12 đường Lê Lợi, tỉnh X": keep the street, change the province
                    r["owner_address"] = address_in(r["owner_address"].split(", ")[0], province)
                r["province"] = province
                break
        if "owner" not in r:
            r["owner"] = r["applicant"]
        if "owner_address" not in r:
            r["owner_address"] = address(extra_rng, r["province"])
        seen = _companies_by_province.setdefault(r["province"], [])
        classes = frozenset(r.get("nice_classes") or ())
        if r["owner"].startswith("Công ty") and r.get("mark") not in fixed_marks:
            # A second mark goes to a company already filing in one of its Nice classes; a design or patent to
            # any company of the province (a food company files a packaging design, too).
            pool = [c for c in seen if ((classes & c[2]) if classes else not c[0].startswith("Công ty Luật"))]
            if pool and extra_rng.random() < SHARED_OWNER_SHARE:
                r["owner"], r["owner_address"], _ = extra_rng.choice(pool)
                if "applicant" in r:
                    r["applicant"] = r["owner"]
            elif all(c[0] != r["owner"] for c in seen):
                seen.append((r["owner"], r["owner_address"], classes))
        # New fields go right after `province`; trademarks already had owner and owner_address before it.
        added = ["owner_province"] if r["ip_type"] == "trademark" else ["owner", "owner_address", "owner_province"]
        keys = [k for k in r if k not in added]
        at = keys.index("province") + 1
        keys[at:at] = added
        r["owner_province"] = r["province"]
        out.append({k: r[k] for k in keys})
    return out


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    trademarks = with_owner_fields(make_trademarks())
    patents = with_owner_fields(make_patents())
    designs = with_owner_fields(make_designs())
    assert len(trademarks) == N_TRADEMARKS
    write_jsonl(OUT / "trademarks.sample.jsonl", trademarks)
    write_jsonl(OUT / "patents.sample.jsonl", patents)
    write_jsonl(OUT / "designs.sample.jsonl", designs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
