"""Value rules (docs/ROSTER.md §Values, docs/SECURITY.md §Bad input): ID numbers, phones, dates, words (pure)."""

from datetime import date, datetime

import pytest
from django.core.exceptions import ValidationError

from households import validation as v
from households.models import Household, Member

TODAY = date(2026, 6, 1)
# GB 11643's published example number; its check digit is X.
VALID_X = "11010519491231002X"
VALID = "630103196503020695"


def code_of(exc_info) -> str:
    return exc_info.value.code


def test_check_digit_of_the_standard_example():
    assert v.id_check_char("11010519491231002") == "X"
    assert v.id_number_parse(VALID_X, today=TODAY).number == VALID_X


def test_valid_number_gives_birth_date_and_sex():
    info = v.id_number_parse(VALID, today=TODAY)
    assert info.birth_date == date(1965, 3, 2)
    assert info.sex == "M"  # 17th digit 9 is odd
    assert not info.converted_from_15
    assert v.id_number_parse(VALID_X, today=TODAY).sex == "F"  # 17th digit 2


def test_lower_case_x_is_upper_cased():
    assert v.id_number_parse(VALID_X.lower(), today=TODAY).number == VALID_X


def test_full_width_digits_spaces_and_invisible_characters_are_cleaned():
    full_width = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in VALID)
    messy = f" \u200b{full_width[:6]} {full_width[6:14]}\u3000{full_width[14:]}\ufeff "
    assert v.id_number_parse(messy, today=TODAY).number == VALID


def test_wrong_check_digit_is_an_error():
    with pytest.raises(ValidationError) as exc:
        v.id_number_parse(VALID[:-1] + "4", today=TODAY)
    assert code_of(exc) == "id_check_digit"


@pytest.mark.parametrize("value", ["63010319650302069", "6301031965030206955", "63010319650302069Y"])
def test_wrong_length_or_characters_is_an_error(value):
    with pytest.raises(ValidationError) as exc:
        v.id_number_parse(value, today=TODAY)
    assert code_of(exc) in {"id_length", "id_characters"}


def test_impossible_birth_date_is_an_error():
    first17 = "63010319650231069"  # 31 February
    with pytest.raises(ValidationError) as exc:
        v.id_number_parse(first17 + v.id_check_char(first17), today=TODAY)
    assert code_of(exc) == "id_birth_date"


def test_future_birth_date_is_an_error():
    first17 = "63010320300101069"
    with pytest.raises(ValidationError) as exc:
        v.id_number_parse(first17 + v.id_check_char(first17), today=TODAY)
    assert code_of(exc) == "id_birth_date"


def test_fifteen_digit_number_is_converted_with_19_inserted():
    info = v.id_number_parse("630103650302069", today=TODAY)
    assert info.number == "630103196503020695"
    assert info.converted_from_15
    assert info.birth_date == date(1965, 3, 2)


@pytest.mark.parametrize("cell", [630103196503020695, 6.30103196503020e17, 630103650302069])
def test_numeric_excel_cell_is_an_error_never_repaired(cell):
    with pytest.raises(ValidationError) as exc:
        v.id_number_parse(cell, today=TODAY)
    assert code_of(exc) == "id_numeric_cell"


def test_old_area_code_is_accepted():
    first17 = "63999919650302069"  # no such county in Qinghai (63): people keep abolished codes
    assert v.id_number_parse(first17 + v.id_check_char(first17), today=TODAY)


def test_unknown_province_is_an_error():
    first17 = "99999919650302069"  # no province 99 (tests/households/test_id_numbers_stdnum.py compares stdnum)
    with pytest.raises(ValidationError) as exc:
        v.id_number_parse(first17 + v.id_check_char(first17), today=TODAY)
    assert code_of(exc) == "id_province"


def test_sex_and_birth_date_must_match_the_number():
    info = v.id_number_parse(VALID, today=TODAY)
    v.id_number_check_consistency(info, sex="M", birth_date=date(1965, 3, 2))
    with pytest.raises(ValidationError) as exc:
        v.id_number_check_consistency(info, sex="F", birth_date=date(1965, 3, 3))
    assert set(exc.value.error_dict) == {"sex", "birth_date"}


@pytest.mark.parametrize("raw", ["1965.3", "1965.03", 1965.3, "1965年3月", "1965-3", "1965/03"])
def test_a_birth_date_without_its_day_matches_the_number_by_year_and_month(raw):
    """出生年月 columns hold 1965.3: the 1st of the month, which must not contradict a number of 1965-03-02."""
    info = v.id_number_parse(VALID, today=TODAY)
    written = v.date_parse(raw, today=TODAY)
    assert written == date(1965, 3, 1)
    assert isinstance(written, v.MonthDate)
    v.id_number_check_consistency(info, birth_date=written)
    with pytest.raises(ValidationError) as exc:
        v.id_number_check_consistency(info, birth_date=v.date_parse("1965.4", today=TODAY))
    assert set(exc.value.error_dict) == {"birth_date"}
    assert not isinstance(v.date_parse("1965.3.1", today=TODAY), v.MonthDate)


def test_made_numbers_are_valid():
    number = v.id_number_make(area_code="630103", birth_date=date(1960, 2, 29), sequence=123, sex="F")
    info = v.id_number_parse(number, today=TODAY)
    assert (info.birth_date, info.sex) == (date(1960, 2, 29), "F")


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("13800138000", "13800138000"),
        ("138 0013 8000", "13800138000"),
        ("138-0013-8000", "13800138000"),
        ("+86 138 0013 8000", "13800138000"),
        ("8613800138000", "13800138000"),
        ("１３８００１３８０００", "13800138000"),
        (13800138000, "13800138000"),
        (13800138000.0, "13800138000"),
        ("0971-1234567", "0971-1234567"),
        ("(0971)1234567", "0971-1234567"),
        ("（0971）1234567", "0971-1234567"),
        ("0971 1234567", "0971-1234567"),
        ("09711234567", "0971-1234567"),
        ("010-12345678", "010-12345678"),
        ("01012345678", "010-12345678"),
        ("021 87654321", "021-87654321"),
        ("0971-1234567-801", "0971-1234567-801"),
        ("0971－1234567", "0971-1234567"),
        ("0971—1234567", "0971-1234567"),
        ("0971——1234567", "0971-1234567"),
        ("138–0013–8000", "13800138000"),
        ("", ""),
    ],
)
def test_phones_are_normalised(raw, stored):
    assert v.phone_normalize(raw) == stored
    assert stored == "" or v.phone_is_valid(stored)


@pytest.mark.parametrize("raw", ["1380013800", "23800138000", "12345", "0971-123", "phone", "097-1234567"])
def test_bad_phones_are_errors(raw):
    with pytest.raises(ValidationError) as exc:
        v.phone_normalize(raw)
    assert code_of(exc) == "phone_invalid"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1965-03-02", date(1965, 3, 2)),
        ("1965-3-2", date(1965, 3, 2)),
        ("1965/3/2", date(1965, 3, 2)),
        ("1965.03.02", date(1965, 3, 2)),
        ("1965.3", date(1965, 3, 1)),
        ("19650302", date(1965, 3, 2)),
        ("1965年3月2日", date(1965, 3, 2)),
        ("1965年3月", date(1965, 3, 1)),
        (19650302, date(1965, 3, 2)),
        (23803, date(1965, 3, 2)),  # an Excel serial date
        (datetime(1965, 3, 2, 0, 0), date(1965, 3, 2)),  # noqa: DTZ001 - an Excel cell is naive
        (date(1965, 3, 2), date(1965, 3, 2)),
        ("", None),
        (None, None),
    ],
)
def test_dates_in_every_roster_format(raw, expected):
    assert v.date_parse(raw, today=TODAY) == expected


@pytest.mark.parametrize("raw", ["1965-02-30", "65-3-2", "March 1965", "1965.13"])
def test_bad_dates_are_errors(raw):
    with pytest.raises(ValidationError) as exc:
        v.date_parse(raw, today=TODAY)
    assert code_of(exc) == "date_invalid"


def test_future_date_is_an_error():
    with pytest.raises(ValidationError) as exc:
        v.date_parse("2026-06-02", today=TODAY)
    assert code_of(exc) == "date_future"
    assert v.date_parse("2026-06-02", today=TODAY, allow_future=True) == date(2026, 6, 2)


def test_date_order():
    v.date_check_order(date(1960, 1, 1), date(2020, 1, 1))
    with pytest.raises(ValidationError):
        v.date_check_order(date(1960, 1, 1), date(1959, 12, 31))


def test_roster_words_map_to_model_choices():
    assert v.family_type_parse("失独") == Household.FamilyType.DEATH
    assert v.family_type_parse("独生子女伤残") == Household.FamilyType.DISABILITY
    assert v.role_parse("配偶") == Member.Role.WIFE
    assert v.role_parse("户主") == Member.Role.HUSBAND
    assert v.role_parse("孙女") == Member.Role.GRANDCHILD
    assert v.role_parse("户主", sex="F") == Member.Role.WIFE
    assert v.role_parse("配偶", sex="M") == Member.Role.HUSBAND
    assert v.role_parse("丈夫", sex="F") == Member.Role.HUSBAND  # says which: not decided by sex
    assert v.role_parse_deferred(" 户 主") == "户主"
    assert v.role_parse_deferred("妻") == Member.Role.WIFE
    assert v.self_care_parse("部分自理") == Member.SelfCare.SEMI
    assert v.self_care_parse("不能自理") == Member.SelfCare.DISABLED
    assert v.alive_parse("健在") is True
    assert v.alive_parse("去世") is False
    assert v.alive_parse("正常") is True  # a 人员状态 column
    assert v.alive_parse("已死亡") is False
    assert v.yes_no_parse("√") is True
    assert v.yes_no_parse("×") is False
    assert v.yes_no_parse("") is False
    assert v.yes_no_parse("y") is True
    with pytest.raises(ValidationError):
        v.role_parse("邻居")
    values = {
        *v._FAMILY_TYPE.values(),
    }
    assert values <= set(Household.FamilyType.values)
    assert set(v._ROLE.values()) <= set(Member.Role.values)
    assert set(v._SELF_CARE.values()) <= set(Member.SelfCare.values)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("张  三", "张三"),  # two spaces typed to line up with three-character names
        ("张\u3000三", "张三"),  # the ideographic space
        (" 李　四 ", "李四"),
        ("王小明", "王小明"),
        ("阿卜杜·热合曼", "阿卜杜·热合曼"),
        ("Anna  Li", "Anna Li"),  # between Latin letters one space stays
        ("", ""),
        (None, ""),
    ],
)
def test_person_names_lose_the_padding_between_chinese_characters(raw, expected):
    assert v.person_name_clean(raw) == expected


def test_a_year_and_month_1_from_a_number_cell_may_be_october():
    """1965.10 typed into a number cell arrives as 1965.1: January as read, October beside an ID number."""
    shortened = v.date_parse(1965.1, today=TODAY)
    assert shortened == date(1965, 1, 1)
    assert isinstance(shortened, v.ShortenedMonthDate)
    assert not isinstance(v.date_parse("1965.1", today=TODAY), v.ShortenedMonthDate)  # text says what it says
    october = v.id_number_parse(v.id_number_make(area_code="630103", birth_date=date(1965, 10, 8), sequence=1, sex="M"))
    january = v.id_number_parse(v.id_number_make(area_code="630103", birth_date=date(1965, 1, 8), sequence=1, sex="M"))
    march = v.id_number_parse(v.id_number_make(area_code="630103", birth_date=date(1965, 3, 8), sequence=1, sex="M"))
    v.id_number_check_consistency(october, birth_date=shortened)
    v.id_number_check_consistency(january, birth_date=shortened)
    with pytest.raises(ValidationError):
        v.id_number_check_consistency(march, birth_date=shortened)
    with pytest.raises(ValidationError):
        v.id_number_check_consistency(october, birth_date=v.date_parse("1965.1", today=TODAY))
