"""The one implementation of the value rules of docs/ROSTER.md and docs/SECURITY.md §Bad input.

Pure functions, no database: forms, services, model ``clean()`` and the roster import all call these.
Each parser takes a raw value (a form string or an Excel cell: ``str``, ``int``, ``float``, ``date`` or
``datetime``), returns the normalised value and raises ``django.core.exceptions.ValidationError`` with a
stable ``code`` and a message saying what was expected. Functions that depend on today take it as an
argument so tests and imports can fix it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from operator import mul
from typing import Any

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from phonenumbers import NumberParseException, PhoneNumber, PhoneNumberType

from core.forms import date_check_plausible

# GB 11643-1999: weights of the first 17 digits and the check character for (sum mod 11).
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
_ZERO_WEIGHTS = ord("0") * sum(ID_WEIGHTS)

# Zero-width and other format characters that survive copy-paste from Word, WeChat or web pages.
_INVISIBLE = dict.fromkeys(
    cp for cp in (0x00AD, 0x180E, 0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2060, 0x2061, 0x2062, 0x2063, 0xFEFF)
)


def clean_text(value: Any) -> str:
    """NFKC (full-width digits and letters to ASCII), invisible characters removed, trimmed."""
    if value is None:
        return ""
    text = str(value)
    if not text.isascii():  # ASCII is already NFKC (the roster import calls this 300,000 times)
        text = unicodedata.normalize("NFKC", text)
    if text.isprintable():  # fast path (roster import: 50,000 rows): no control or format character
        return text.strip()
    text = text.translate(_INVISIBLE)
    # NFKC turns the ideographic space into a normal one; any other control or format char goes too.
    text = "".join(ch for ch in text if unicodedata.category(ch) not in {"Cc", "Cf"} or ch in " ")
    return text.strip()


# Whitespace between two Chinese characters is padding ("张  三", "张　三" typed to line up with three-character
# names), not part of the name. Between other characters (a Latin or a minority name) one space is kept.
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_PADDING = re.compile(f"(?<=[{_CJK}])\\s+(?=[{_CJK}])")
_SPACES = re.compile(r"\s+")  # runs of whitespace, and a tab, become one space


def person_name_clean(value: Any) -> str:
    """A person's name as stored: ``clean_text``, the padding between Chinese characters removed, runs of
    other spaces made one. The roster import and the forms both call it."""
    text = clean_text(value)
    if " " in text or "\t" in text:
        text = _SPACES.sub(" ", _CJK_PADDING.sub("", text))
    return text


def _compact(value: Any) -> str:
    """clean_text without any whitespace at all (ID numbers and phones carry no spaces)."""
    if type(value) is str and value.isascii() and value.isprintable():
        return value.replace(" ", "")  # fast path: the only printable ASCII whitespace is the space
    # str.split() splits on exactly the characters that re's \s matches (str.isspace).
    return "".join(clean_text(value).split())


# ---------------------------------------------------------------------------------------------------
# Resident ID numbers (公民身份号码)
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IdNumber:
    number: str  # 18 characters, upper-case X
    birth_date: date
    sex: str  # "M" or "F"
    converted_from_15: bool = False


def id_check_char(first17: str) -> str:
    """The MOD 11-2 check character of the first 17 digits."""
    if len(first17) == len(ID_WEIGHTS) and isinstance(first17, str) and first17.isascii() and first17.isdigit():
        # ASCII digits: their byte values minus 48 each (cheaper than int() per character).
        total = sum(map(mul, first17.encode(), ID_WEIGHTS)) - _ZERO_WEIGHTS
    else:  # other characters: int() accepts or refuses them, and the wrong length raises ValueError (zip strict)
        total = sum(int(digit) * weight for digit, weight in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]


def id_number_normalize(value: Any) -> str:
    """NFKC, no spaces or invisible characters, lower-case x upper-cased. Does not validate."""
    return _compact(value).upper()


def id_number_convert_15(number15: str) -> str:
    """A first-generation 15-digit number: insert "19" before the 2-digit year, add the check digit."""
    first17 = f"{number15[:6]}19{number15[6:]}"
    return first17 + id_check_char(first17)


# The provinces of GB/T 2260, the first two digits of every number (python-stdnum's stdnum.cn.ric knows the same,
# tests/households/test_id_numbers_stdnum.py compares): 81 and 82 are the residence permits of Hong Kong and Macao.
ID_PROVINCES = frozenset(
    {
        *("11", "12", "13", "14", "15"),
        *("21", "22", "23"),
        *("31", "32", "33", "34", "35", "36", "37"),
        *("41", "42", "43", "44", "45", "46"),
        *("50", "51", "52", "53", "54"),
        *("61", "62", "63", "64", "65"),
        *("71", "81", "82"),
    }
)
_ID_15 = re.compile(r"[0-9]{15}")
_ID_18 = re.compile(r"[0-9]{17}[0-9X]")


def id_number_parse(value: Any, *, today: date | None = None) -> IdNumber:
    """Validate one ID number: 18 characters, a real birth date not in the future, the check digit.

    A numeric Excel cell has lost digits (Excel keeps 15 significant digits) or at least its format:
    it is an error, never repaired. A 15-digit number is converted (``converted_from_15`` is then set:
    the caller warns). Of the area code only the province (the first two digits) is checked: people keep
    numbers with abolished county codes, and one born before their county's code was created holds it (numbers
    were issued from 1984 on, with the codes of the day).
    """
    if isinstance(value, int | float):  # bool is an int too
        raise ValidationError(
            _("The ID number is stored as a number, so digits may be lost. Format the cell as text and type it again."),
            code="id_numeric_cell",
        )
    number = id_number_normalize(value)
    if not number:
        raise ValidationError(_("Enter the ID number."), code="id_required")
    converted = False
    if len(number) == 15 and _ID_15.fullmatch(number):
        number = id_number_convert_15(number)
        converted = True
    if len(number) != 18:
        raise ValidationError(
            _("An ID number has 18 characters; this one has %(n)d."), code="id_length", params={"n": len(number)}
        )
    if not _ID_18.fullmatch(number):
        raise ValidationError(
            _("An ID number is 17 digits followed by a digit or X."),
            code="id_characters",
        )
    if number[:2] not in ID_PROVINCES:
        raise ValidationError(
            _("An ID number begins with the code of a province; %(code)s is none: check the first digits."),
            code="id_province",
            params={"code": number[:2]},
        )
    try:
        birth_date = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(
            _("The ID number does not contain a real birth date (%(digits)s)."),
            code="id_birth_date",
            params={"digits": number[6:14]},
        ) from None
    today = today or date.today()  # noqa: DTZ011 - callers pass timezone.localdate(); this is the fallback
    if birth_date > today or birth_date.year < 1880:
        raise ValidationError(
            _("The birth date in the ID number (%(date)s) is not possible."),
            code="id_birth_date",
            params={"date": birth_date.isoformat()},
        )
    if id_check_char(number[:17]) != number[17]:
        raise ValidationError(
            _("The check digit of the ID number is wrong: check every digit against the ID card."),
            code="id_check_digit",
        )
    sex = "M" if int(number[16]) % 2 else "F"
    return IdNumber(number=number, birth_date=birth_date, sex=sex, converted_from_15=converted)


def _same_birth_date(given: date, of_number: date) -> bool:
    if isinstance(given, ShortenedMonthDate):
        return given.year == of_number.year and of_number.month in (1, 10)
    if isinstance(given, MonthDate):
        return (given.year, given.month) == (of_number.year, of_number.month)
    return given == of_number


def id_number_check_consistency(info: IdNumber, *, sex: str = "", birth_date: date | None = None) -> None:
    """Sex and birth date given beside an ID number must agree with it (docs/ROSTER.md §Values: an error, not a fix).

    A birth date written without its day (``MonthDate``: 1965.3 in a 出生年月 column) agrees with the
    number when the year and the month do; 1965.1 from a number cell (``ShortenedMonthDate``) when the
    number's month is January or October.
    """
    errors: dict[str, ValidationError] = {}
    if sex and sex != info.sex:
        errors["sex"] = ValidationError(
            _("The sex does not match the ID number."),
            code="sex_mismatch",
        )
    if birth_date and not _same_birth_date(birth_date, info.birth_date):
        errors["birth_date"] = ValidationError(
            _("The birth date does not match the ID number (%(date)s)."),
            code="birth_date_mismatch",
            params={"date": info.birth_date.isoformat()},
        )
    if errors:
        raise ValidationError(errors)


# ---------------------------------------------------------------------------------------------------
# Phones: mainland mobile or landline (many elderly parents have only a landline)
# ---------------------------------------------------------------------------------------------------
#
# Google's libphonenumber (the ``phonenumbers`` package) decides which numbers exist: mobile prefixes, area
# codes and the length of the local number in each area. What stays ours: what clerks type around a number
# (extensions, dashes of input methods, full-width characters), the stored form, and that a person's phone is a
# mainland mobile or landline (not a 400/800 service number, not a number abroad).

# The stored forms, also the CHECK constraints of the phone columns: an 11-digit mobile, or a landline as area
# code, dash, 7 or 8 digits and an optional extension ("0971-8123456-801").
MOBILE_RE = re.compile(r"1[3-9][0-9]{9}")
LANDLINE_RE = re.compile(r"0[0-9]{2,3}-[0-9]{7,8}(-[0-9]{1,6})?")
# Dashes that input methods type instead of "-" (the Chinese dash is two em dashes): all separate alike.
_DASHES = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"))
# An extension as clerks mark it: 转801, 转分机801, 分机801, 分机号801, ext. 801, x801, #801.
_EXTENSION_MARKED = re.compile(
    r"(?P<number>.*?)\s*(?:转分机|轉分機|分机号?|分機號?|转|轉|ext(?:ension)?\.?|x|#)\s*:?\s*(?P<ext>[0-9]{1,6})",
    re.IGNORECASE,
)
# A last group after a dash or a space: an extension (0971-8123456-801) or a part of the number (138-0013-8000).
# It is taken as an extension only when the whole is not a number.
_EXTENSION_TRAILING = re.compile(r"(?P<number>.*[0-9)])\s*[-\s]\s*(?P<ext>[0-9]{1,6})")
# What may remain around the digits (phonenumbers itself would also read letters as on a keypad: 1-800-FLOWERS).
_PHONE_CHARACTERS = re.compile(r"\+?[-0-9().\s]+")
_LANDLINE_TYPES = frozenset({PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE})


def _phone_error() -> ValidationError:
    return ValidationError(
        _("Enter an 11-digit mobile number (13800138000) or a landline with its area code (0971-1234567)."),
        code="phone_invalid",
    )


def phone_normalize(value: Any) -> str:
    """Return the stored form of a phone: 11-digit mobile, or ``0971-8123456`` for a landline, ``0971-8123456-801``
    with an extension.

    Accepts spaces, dashes (also –, — and other dash characters), dots, ``(0971)8123456``, a ``+86``/``0086``/``86``
    prefix, a mobile typed with a leading 0 (``015920246633``), an extension written 转801, 分机801, -801, ext. 801
    or #801, and full-width characters. The number must exist (``phonenumbers.is_valid_number``): an unallocated
    mobile prefix or area code, or the wrong length of local number for its area, is an error saying so.
    The empty string stays empty (the caller decides whether a phone is required).
    """
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # an Excel number cell holding a mobile loses nothing (11 digits)
    text = clean_text(value)
    if len(text) == 11 and MOBILE_RE.fullmatch(text):  # fast path: already an 11-digit mobile (the usual cell)
        number = PhoneNumber(country_code=86, national_number=int(text))
        if phonenumbers.number_type(number) == PhoneNumberType.MOBILE:
            return text
        raise _phone_impossible(number, text)
    text = text.translate(_DASHES)
    if not text:
        return ""
    marked = _EXTENSION_MARKED.fullmatch(text)
    if marked:
        return _phone_stored(marked["number"], marked["ext"])
    try:
        return _phone_stored(text, None)
    except ValidationError as whole_error:
        trailing = _EXTENSION_TRAILING.fullmatch(text)
        if trailing is None:
            raise
        try:
            return _phone_stored(trailing["number"], trailing["ext"])
        except ValidationError as split_error:
            # A mobile followed by a group (13800138000-801) says it has no extension; else the whole's error.
            raise (split_error if split_error.code == "phone_extension" else whole_error) from None


def _phone_stored(text: str, extension: str | None) -> str:
    number, kind = _phone_parse(text)
    national = phonenumbers.national_significant_number(number)
    if kind == PhoneNumberType.MOBILE or (kind in _LANDLINE_TYPES and MOBILE_RE.fullmatch(national)):
        if extension:
            raise ValidationError(
                _("A mobile number has no extension: an extension goes with a landline."), code="phone_extension"
            )
        return national
    if kind in _LANDLINE_TYPES:
        split = _area_code_length(number, national)
        # phonenumbers accepts 0971-0123456 in many areas; 0 is the trunk prefix, never a local number's first digit.
        if national[split : split + 1] == "0":
            raise ValidationError(
                _("A landline number does not begin with 0 after the area code."), code="phone_invalid"
            )
        stored = f"0{national[:split]}-{national[split:]}" + (f"-{extension}" if extension else "")
        if split and LANDLINE_RE.fullmatch(stored):
            return stored
        raise _phone_error()
    raise ValidationError(
        _("%(number)s is a service number (such as 400 or 800), not a person's phone: enter a mobile or a landline."),
        code="phone_invalid",
        params={"number": text},
    )


# Digits with the trunk 0 in front (0971-8123456, 015920246633): the national number is what follows the 0,
# as phonenumbers.parse reads it, without its cost (a roster has tens of thousands of phones).
_TRUNK_TYPED = re.compile(r"0[1-9][0-9]{8,11}")


def _phone_parse(text: str) -> tuple[PhoneNumber, int]:
    """A mainland number that exists and its ``PhoneNumberType``, or a ValidationError saying what is wrong."""
    if not _PHONE_CHARACTERS.fullmatch(text):
        raise _phone_error()
    digits = text.replace("-", "").replace(" ", "")
    if _TRUNK_TYPED.fullmatch(digits):
        number = PhoneNumber(country_code=86, national_number=int(digits[1:]))
    else:
        try:
            number = phonenumbers.parse(text, "CN")
        except NumberParseException:
            raise _phone_error() from None
        if number.country_code != 86 or number.extension:
            raise _phone_error()
    # For +86 (one region, CN) number_type is UNKNOWN exactly when is_valid_number is false.
    kind = phonenumbers.number_type(number)
    if kind == PhoneNumberType.UNKNOWN:
        raise _phone_impossible(number, text)
    return number, kind


_AREA_CODE_LENGTHS: dict[str, int] = {}


def _area_code_length(number: PhoneNumber, national: str) -> int:
    """phonenumbers' length of the area code (2 for 010 and 02x, else 3), known from the first three digits."""
    key = national[:3]
    length = _AREA_CODE_LENGTHS.get(key)
    if length is None:
        length = phonenumbers.length_of_geographical_area_code(number)
        if length:  # 0 (no area code found) is not cached: it is that number's answer, not the prefix's
            _AREA_CODE_LENGTHS[key] = length
    return length


def _phone_exists(national: str) -> bool:
    return phonenumbers.is_valid_number(PhoneNumber(country_code=86, national_number=int(national)))


def _phone_impossible(number: PhoneNumber, typed: str) -> ValidationError:
    """The error for a number of the right shape that does not exist, naming what does not exist.

    Which prefix or area code exists is asked of phonenumbers with numbers made of one repeated digit: they match
    its patterns wherever any number of that prefix does (checked for every mainland area code).
    """
    national = phonenumbers.national_significant_number(number)
    if len(national) == 11 and national.startswith("1") and not national.startswith("10"):
        prefix = next(
            (
                national[:k]
                for k in range(3, 8)
                if not any(_phone_exists(national[:k] + digit * (11 - k)) for digit in "0123456789")
            ),
            national[:7],
        )
        return ValidationError(
            _("%(number)s is not a possible mobile number: no mobile number in China begins with %(prefix)s."),
            code="phone_invalid",
            params={"number": national, "prefix": prefix},
        )
    if (len(national) in (10, 11) and not national.startswith("1")) or (
        national.startswith("10") and len(national) >= 9
    ):
        split = 2 if national.startswith(("10", "2")) else 3  # Beijing and the 02x cities: 2 digits after the 0
        area, local = national[:split], national[split:]
        lengths = [n for n in (7, 8) if any(_phone_exists(area + digit * n) for digit in "23456789")]
        if not lengths:
            return ValidationError(_("Unknown area code %(area)s."), code="phone_invalid", params={"area": f"0{area}"})
        if len(local) not in lengths:
            return ValidationError(
                _("Landline numbers with the area code %(area)s have %(digits)s digits after it."),
                code="phone_invalid",
                params={"area": f"0{area}", "digits": "/".join(map(str, lengths))},
            )
    if len(national) < 10:
        return _phone_error()
    return ValidationError(
        _("%(number)s is not a possible phone number in China: check every digit."),
        code="phone_invalid",
        params={"number": clean_text(typed)},
    )


def phone_is_valid(value: str) -> bool:
    """True when a stored phone is in its stored form and exists: ``phone_normalize`` gives it back unchanged."""
    if not value:
        return False
    try:
        return phone_normalize(value) == value
    except ValidationError:
        return False


@dataclass(frozen=True)
class PhoneRenormalised:
    """What ``phone_renormalise`` does with one stored value."""

    value: str  # the new stored value; the old one when it is no longer accepted (never destroyed)
    changed: bool
    invalid: bool


def phone_renormalise(stored: str) -> PhoneRenormalised:
    """A value stored by an earlier ``phone_normalize`` (or typed freely, as accounts' phones were) in today's form.

    A value that today's rules refuse is kept as it is and reported invalid: only a person can correct it.
    """
    if not stored:
        return PhoneRenormalised(stored, changed=False, invalid=False)
    try:
        value = phone_normalize(stored)
    except ValidationError:
        return PhoneRenormalised(stored, changed=False, invalid=True)
    return PhoneRenormalised(value, changed=value != stored, invalid=False)


# ---------------------------------------------------------------------------------------------------
# Dates: Excel dates, 1965-03-02, 1965-3-2, 1965/3/2, 1965.03.02, 1965.3, 19650302, 1965年3月2日
# ---------------------------------------------------------------------------------------------------


class MonthDate(date):
    """A date written to the month only (1965.3, 1965年3月): the 1st of that month, known to be month-precise.

    It is a ``date`` everywhere (stored, compared, formatted as the 1st); only the check of a birth-date column
    against the ID number (``id_number_check_consistency``) compares its year and month alone.
    """

    __slots__ = ()


class ShortenedMonthDate(MonthDate):
    """1965.1 from a *number* cell: January 1965 as typed, or October (1965.10) with its 0 dropped by Excel.

    Read as January; beside an ID number of October of that year it agrees with it (the number tells which),
    and the roster import warns when nothing tells.
    """

    __slots__ = ()


_EXCEL_EPOCH = date(1899, 12, 30)  # the 1900 date system, with its leap-year bug already absorbed
_DATE_PATTERNS = (
    re.compile(r"(?P<y>[0-9]{4})[-/.](?P<m>[0-9]{1,2})[-/.](?P<d>[0-9]{1,2})"),
    re.compile(r"(?P<y>[0-9]{4})年(?P<m>[0-9]{1,2})月(?:(?P<d>[0-9]{1,2})[日号]?)?"),
    re.compile(r"(?P<y>[0-9]{4})(?P<m>[0-9]{2})(?P<d>[0-9]{2})"),
    re.compile(r"(?P<y>[0-9]{4})[-/.](?P<m>[0-9]{1,2})"),  # month precision: the 1st of the month
)


def date_parse(value: Any, *, today: date | None = None, allow_future: bool = False) -> date | None:
    """Parse a date in any roster format; None for an empty value. Future dates are an error by default."""
    if value is None or (isinstance(value, str) and not clean_text(value)):
        return None
    if isinstance(value, datetime):
        parsed = value.date()
    elif isinstance(value, date):
        parsed = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        parsed = _date_from_number(value)
    else:
        parsed = _date_from_text(_compact(value))
    date_check_plausible(parsed, today=today, allow_future=True)  # not before 1900 (core.forms)
    if not allow_future:
        date_check_not_future(parsed, today=today)
    return parsed


_YEAR_MONTH_NUMBER = re.compile(r"[0-9]{4}\.[0-9]{1,2}")


def _date_from_number(value: float) -> date:
    if isinstance(value, float) and not value.is_integer():
        text = f"{value}"
        if _YEAR_MONTH_NUMBER.fullmatch(text):  # 1965.3 typed into a number cell
            if text.endswith(".1"):  # 1965.1 or 1965.10: the number cell kept no trailing 0
                return ShortenedMonthDate(int(text[:4]), 1, 1)
            return _date_from_text(text)
    number = int(value)
    if 10_000_000 <= number <= 99_999_999:
        return _date_from_text(str(number))
    if 1 <= number < 100_000:
        return _EXCEL_EPOCH + timedelta(days=number)
    raise _date_error()


def _date_from_text(text: str) -> date:
    for pattern in _DATE_PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            day = match.groupdict().get("d")
            try:
                if day is None:
                    return MonthDate(int(match["y"]), int(match["m"]), 1)
                return date(int(match["y"]), int(match["m"]), int(day))
            except ValueError:
                break
    raise _date_error()


def _date_error() -> ValidationError:
    return ValidationError(
        _("Enter a real date, such as 1965-03-02, 1965/3/2, 1965.03.02 or 1965年3月2日."), code="date_invalid"
    )


def date_check_not_future(value: date | None, *, today: date | None = None) -> None:
    today = today or date.today()  # noqa: DTZ011 - callers pass timezone.localdate(); this is the fallback
    if value is not None and value > today:
        raise ValidationError(_("The date %(date)s is in the future."), code="date_future", params={"date": value})


def date_check_order(earlier: date | None, later: date | None, *, message: str | None = None) -> None:
    """Death after birth, disability after birth, closing after registering …"""
    if earlier and later and later < earlier:
        raise ValidationError(message or _("This date is before the date it must follow."), code="date_order")


def household_events_check(
    *,
    family_type: str,
    child_event_date: date | None,
    child_recovered_on: date | None,
    other_child_on: date | None,
    today: date | None = None,
) -> dict[str, list[ValidationError]]:
    """The events that end or change special assistance (docs/BENEFITS.md): the disabled child's recovery — a
    disability family only, not in the future, after the disability — and another child born or adopted, not in
    the future. Returns the errors by field (empty: none)."""
    errors: dict[str, list[ValidationError]] = {}
    if child_recovered_on is not None:
        if family_type != "disability":
            errors.setdefault("child_recovered_on", []).append(
                ValidationError(_("A recovery applies only to a disability family."), code="recovery_not_disability")
            )
        try:
            date_check_not_future(child_recovered_on, today=today)
            date_check_order(
                child_event_date,
                child_recovered_on,
                message=_("The date the child recovered is before the date of disability."),
            )
        except ValidationError as exc:
            errors.setdefault("child_recovered_on", []).append(exc)
    try:
        date_check_not_future(other_child_on, today=today)
    except ValidationError as exc:
        errors.setdefault("other_child_on", []).append(exc)
    return errors


# ---------------------------------------------------------------------------------------------------
# Roster words (docs/ROSTER.md §Values): map to the choice values of households.models
# ---------------------------------------------------------------------------------------------------

_YES = {"是", "有", "Y", "YES", "√", "✓", "✔", "TRUE", "1"}
_NO = {"否", "无", "N", "NO", "FALSE", "0", "", "×", "✗", "✘"}
# docs/ROSTER.md §Values, with the words a 人员状态 (person's status) column uses: 正常 (alive), 已死亡, 亡故, 离世 ….
_ALIVE = {
    **dict.fromkeys(("是", "健在", "在世", "正常", "存活"), True),
    **dict.fromkeys(("否", "已故", "死亡", "去世", "已死亡", "已去世", "亡故", "离世", "过世"), False),
}
_FAMILY_TYPE = {
    "独生子女死亡": "death",
    "失独": "death",
    "死亡": "death",
    "独生子女伤残": "disability",
    "伤残": "disability",
    "残疾": "disability",
    # 伤病残: a disability, as the 特扶 forms write it
    "伤病残": "disability",
    "病残": "disability",
    "独生子女伤病残": "disability",
    "独生子女病残": "disability",
}
# 对象类型 as the 特扶 forms write it: the word above wrapped in the form's words (特扶死亡, 特别扶助（伤残）,
# 独生子女死亡家庭, 死亡类); brackets and the wrapping words are taken off when the value is not a word itself.
_FAMILY_WRAPPING = re.compile(r"^(?:计划生育)?(?:特别扶助|特扶|计生特扶)?(?:对象)?|(?:家庭|户|类|对象)$")
_FAMILY_BRACKETS = re.compile(r"[()（）\[\]【】]")
_ROLE = {
    "丈夫": "husband",
    "夫": "husband",
    "户主": "husband",
    "妻子": "wife",
    "妻": "wife",
    "配偶": "wife",
    "孙子": "grandchild",
    "孙女": "grandchild",
    "孙子女": "grandchild",
    "其他": "other",
}
_SELF_CARE = {"自理": "self_care", "半失能": "semi", "部分自理": "semi", "失能": "disabled", "不能自理": "disabled"}


def _lookup(table: dict[str, Any], value: Any, message: str) -> Any:
    key = _compact(value)
    if key in table:
        return table[key]
    raise ValidationError(message, code="choice_invalid", params={"value": key, "choices": " / ".join(table)})


def yes_no_parse(value: Any) -> bool:
    """是/否, 有/无, Y/N, √/empty."""
    key = _compact(value).upper()
    if key in _YES:
        return True
    if key in _NO:
        return False
    raise ValidationError(_("Enter 是 or 否 (yes or no)."), code="choice_invalid")


def alive_parse(value: Any) -> bool:
    return _lookup(_ALIVE, value, _("Enter 是/健在/在世 (alive) or 否/已故/死亡/去世 (deceased)."))


def family_type_parse(value: Any) -> str:
    """独生子女死亡/失独/死亡 → death, 独生子女伤残/伤残/残疾/伤病残 → disability, also wrapped in a form's words
    (特扶死亡, 特别扶助（伤残）, 独生子女死亡家庭); the error names the value as written."""
    message = _("Unknown family type %(value)s: expected %(choices)s.")
    key = _compact(value)
    if key not in _FAMILY_TYPE:
        inner = _FAMILY_BRACKETS.sub("", key)
        inner = _FAMILY_WRAPPING.sub("", _FAMILY_WRAPPING.sub("", inner))
        if inner in _FAMILY_TYPE:
            return _FAMILY_TYPE[inner]
    return _lookup(_FAMILY_TYPE, value, message)


# 户主 (head of the household) and 配偶 (spouse) name one of the couple without saying which: docs/ROSTER.md maps
# 户主 (male) to the husband and 配偶 (female) to the wife, so the person's sex decides.
ROLE_BY_SEX = frozenset({"户主", "配偶"})


def role_parse(value: Any, *, sex: str = "") -> str:
    """丈夫/夫 → husband, 妻子/妻 → wife, 孙子/孙女/孙子女 → grandchild, 其他 → other; 户主 and 配偶 by ``sex``
    ("M" the husband, "F" the wife), without it 户主 → husband and 配偶 → wife."""
    if sex in ("M", "F") and _compact(value) in ROLE_BY_SEX:
        return "husband" if sex == "M" else "wife"
    return _lookup(_ROLE, value, _("Unknown role in the family %(value)s: expected %(choices)s."))


def role_parse_deferred(value: Any) -> str:
    """``role_parse`` for a reader that learns the sex later (the roster: from the ID number): the word 户主 or
    配偶 itself when the sex decides, to be passed to ``role_parse(word, sex=…)`` then; else the role."""
    key = _compact(value)
    return key if key in ROLE_BY_SEX else role_parse(value)


def self_care_parse(value: Any) -> str:
    return _lookup(_SELF_CARE, value, _("Unknown self-care ability %(value)s: expected %(choices)s."))


def id_number_make(*, area_code: str, birth_date: date, sequence: int, sex: str) -> str:
    """A valid 18-digit number (demo data, benchmarks, tests): the 17th digit is odd for a man."""
    order = (sequence % 50) * 2 + (1 if sex == "M" else 0)
    first17 = f"{area_code[:6]}{birth_date:%Y%m%d}{sequence // 50 % 10}{order:02d}"
    return first17 + id_check_char(first17)


# Added for the roster import (issue 4): the sex and disability-grade columns of a roster.
_SEX = {"男": "M", "男性": "M", "M": "M", "MALE": "M", "女": "F", "女性": "F", "F": "F", "FEMALE": "F"}
_GRADE = {"一级": "1", "二级": "2", "三级": "3", "四级": "4", "一": "1", "二": "2", "三": "3", "四": "4"}
_GRADE.update({str(n): str(n) for n in range(1, 5)} | {f"{n}级": str(n) for n in range(1, 5)})


def sex_parse(value: Any) -> str:
    """男/女 (also 男性/女性, M/F) → "M"/"F"; empty stays empty."""
    key = _compact(value).upper()
    if not key:
        return ""
    if key in _SEX:
        return _SEX[key]
    raise ValidationError(_("Enter 男 or 女 (male or female)."), code="choice_invalid")


def disability_grade_parse(value: Any) -> str:
    """一级 … 四级 (also 1–4) → "1" … "4"; empty stays empty."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    key = _compact(value)
    if not key:
        return ""
    if key in _GRADE:
        return _GRADE[key]
    raise ValidationError(
        _("Unknown disability grade %(value)s: expected 一级, 二级, 三级 or 四级."),
        code="choice_invalid",
        params={"value": key},
    )
