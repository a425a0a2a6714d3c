"""The bank's return (回盘): the payout roster sent back with 支付状态 and 失败原因 filled in.

Each row is matched with a line of the batch by 序号 + 享受人身份证号 + 补贴金额. A file with an unknown line, a changed
amount, a line already returned, a line twice, an unknown status or a failure without its reason is refused whole:
every mismatch is listed (row number and what) and nothing is written. A row whose 支付状态 is empty has not come
back yet (the bank may return a batch in several files). The accepted file is applied in one UPDATE from arrays
(:func:`payout_return_write`), and each failed line becomes a follow-up for the household's village contact
(:func:`payout_followups_notify`).
"""

from __future__ import annotations

import math
from collections.abc import Collection
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Capability
from accounts.scope import authorize
from audit.history import history_context
from audit.models import AccessEvent
from audit.services import access_event_record
from benefits.models import PayoutBatch, PayoutLine, PayoutStep
from core.db import among, array_literal
from core.memory import cyclic_gc_paused
from households.roster.reader import RosterFileError, Sheet, workbook_read

# The columns the return is read by (the roster's headers, benefits.payouts.exports.COLUMNS).
SEQ, STATUS, ID_NUMBER, AMOUNT, REASON = "序号", "支付状态", "享受人身份证号", "补贴金额", "失败原因"
PAID_WORDS = frozenset({"成功", "已支付", "支付成功", "paid"})
FAILED_WORDS = frozenset({"失败", "支付失败", "failed"})


@dataclass(frozen=True)
class Mismatch:
    row: int  # the Excel row number
    what: str


class ReturnRefused(Exception):
    """The file is refused whole: ``problems`` says every mismatch (or one problem with the file itself)."""

    def __init__(self, problems: list[Mismatch]) -> None:
        super().__init__(f"{len(problems)} problems")
        self.problems = problems


@dataclass(frozen=True)
class Applied:
    paid: int
    failed: int
    notified: int


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _seq(value: Any) -> int | None:
    if type(value) is float:  # calamine gives numbers as floats
        return int(value) if value.is_integer() and value >= 0 else None
    text = _text(value)
    return int(text) if text.isdigit() else None


MAX_CENTS = 10**12  # far above any line (numeric(10, 2)); a larger cell is not turned into a huge integer


def _cents(value: Any) -> int | None:
    """The amount cell in cents, or None when it is not an amount of whole cents (then it differs from any line)."""
    if type(value) is float:  # calamine gives a number as a float: 3540.0, 1234.56
        if not math.isfinite(value):
            return None
        cents = round(value * 100)
        return cents if abs(value * 100 - cents) < 1e-6 else None
    try:
        hundredfold = Decimal(_text(value).replace(",", "")) * 100
    except ArithmeticError:  # not a number (InvalidOperation), or beyond the decimal context (Overflow)
        return None
    if not hundredfold.is_finite() or abs(hundredfold) > MAX_CENTS or hundredfold != hundredfold.to_integral_value():
        return None
    return int(hundredfold)


def _header(rows: list[list[Any]]) -> tuple[int, dict[str, int]]:
    """The header row's index and column of each name (within the first 5 rows)."""
    for index, row in enumerate(rows[:5]):
        names = {_text(cell): column for column, cell in enumerate(row) if _text(cell)}
        if SEQ in names and ID_NUMBER in names:
            missing = [name for name in (STATUS, AMOUNT) if name not in names]
            if missing:
                raise ReturnRefused(
                    [Mismatch(index + 1, _("The column %(name)s is missing.") % {"name": "、".join(missing)})]
                )
            return index, names
    raise ReturnRefused(
        [Mismatch(1, _("No header row with 序号 and 享受人身份证号: upload the roster exported for this batch."))]
    )


@dataclass
class ReturnRows:
    """The lines the file answers, in file order, as arrays for one statement."""

    line_ids: list[int] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)  # paid / failed
    reasons: list[str] = field(default_factory=list)  # only on failed lines

    def __len__(self) -> int:
        return len(self.line_ids)

    @property
    def failed(self) -> list[int]:
        return [line for line, status in zip(self.line_ids, self.statuses, strict=True) if status == "failed"]


_Line = tuple[int, int, str, int, str]  # 序号, line id, ID number, amount in cents, status


def _batch_lines(batch: PayoutBatch) -> dict[int, _Line]:
    """序号 → (序号, line id, ID number, amount in cents, status): one query, rows as psycopg2 gives them."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT seq, id, beneficiary_id_number, (amount * 100)::bigint, status
                 FROM benefits_payoutline WHERE batch_id = %s""",
            [batch.pk],
        )
        return {line[0]: line for line in cursor.fetchall()}


def _row_problems(
    row: list[Any],
    columns: dict[str, int],
    *,
    word: str,
    status: str | None,
    line: _Line | None,
    reason: str,
    first_row: int,
    number: int,
) -> list[str]:
    """Every problem of one returned row, in the order they are listed (the rare path of return_rows_check);
    ``first_row`` is the row where the line was first answered."""
    problems = []
    if status is None:
        problems.append(_("Unknown payment status “%(word)s” (成功, 已支付 or 失败)") % {"word": word})
    if line is None:
        problems.append(_("No line %(seq)s in this batch") % {"seq": _text(row[columns[SEQ]])})
        return problems
    seq, _pk, id_number, cents, line_status = line
    if _text(row[columns[ID_NUMBER]]).upper() != id_number:
        problems.append(_("Line %(seq)d: the ID number is not this line's") % {"seq": seq})
    if _cents(row[columns[AMOUNT]]) != cents:
        problems.append(
            _("Line %(seq)d: the amount was changed (%(file)s in the file, %(batch)s in the batch)")
            % {"seq": seq, "file": _text(row[columns[AMOUNT]]), "batch": Decimal(cents).scaleb(-2)}
        )
    if line_status != PayoutLine.Status.PLANNED:
        problems.append(
            _("Line %(seq)d has come back already (%(status)s)")
            % {"seq": seq, "status": PayoutLine.Status(line_status).label}
        )
    if first_row != number:
        problems.append(_("Line %(seq)d is also on row %(row)d") % {"seq": seq, "row": first_row})
    if status == PayoutLine.Status.FAILED and not reason:
        problems.append(_("Line %(seq)d failed without a reason (失败原因)") % {"seq": seq})
    return problems


def return_rows_check(
    *,
    batch: PayoutBatch,
    rows: list[list[Any]],
    formulas: Collection[tuple[int, int]] = (),
    lines: dict[int, _Line] | None = None,
) -> ReturnRows:
    """Match every row with a status to a line of the batch; raise ReturnRefused listing every mismatch.

    One pass over the rows against the batch's lines read in one query; the usual row (its line found, still
    planned, same ID number and amount) costs a dictionary lookup and four comparisons, and the messages are
    written only for the rows that differ."""
    start, columns = _header(rows)
    read = {columns[name] for name in (SEQ, STATUS, ID_NUMBER, AMOUNT, REASON) if name in columns}
    computed = sorted((row, column) for row, column in formulas if row > start and column in read)
    if computed:  # a formula's cached value is not taken as the bank's answer (docs/SECURITY.md)
        raise ReturnRefused(
            [
                Mismatch(row + 1, _("The cell holds a formula; type the value itself.") + f" ({rows[start][column]})")
                for row, column in computed[:50]
            ]
        )
    if lines is None:
        lines = _batch_lines(batch)
    found = ReturnRows()
    problems: list[Mismatch] = []
    seen: dict[int, int] = {}
    at_seq, at_status, at_id, at_amount = columns[SEQ], columns[STATUS], columns[ID_NUMBER], columns[AMOUNT]
    at_reason = columns.get(REASON)
    width = max(read) + 1
    paid, failed, planned = (
        str(s) for s in (PayoutLine.Status.PAID, PayoutLine.Status.FAILED, PayoutLine.Status.PLANNED)
    )
    statuses = dict.fromkeys(PAID_WORDS, paid) | dict.fromkeys(FAILED_WORDS, failed)
    line_ids, found_statuses, reasons = found.line_ids, found.statuses, found.reasons
    for index in range(start + 1, len(rows)):
        row = rows[index]
        if len(row) < width:
            row = row + [None] * (width - len(row))
        word = row[at_status]
        word = word.strip() if type(word) is str else _text(word)
        if not word:
            continue  # not returned yet (or the totals row)
        status = statuses.get(word.lower())
        seq = row[at_seq]
        seq = int(seq) if type(seq) is float and seq.is_integer() and seq >= 0 else _seq(seq)
        line = lines.get(seq) if seq is not None else None
        reason = _text(row[at_reason])[:200] if status == failed and at_reason is not None else ""
        identity = row[at_id]
        number = index + 1
        if (
            line is None
            or status is None
            or seq in seen
            or (identity.strip().upper() if type(identity) is str else _text(identity).upper()) != line[2]
            or _cents(row[at_amount]) != line[3]
            or line[4] != planned
            or (status == failed and not reason)
        ):
            first_row = seen.setdefault(line[0], number) if line is not None else number
            what = _row_problems(
                row, columns, word=word, status=status, line=line, reason=reason, first_row=first_row, number=number
            )
            problems.extend(Mismatch(number, message) for message in what)
            continue
        seen[line[0]] = number
        line_ids.append(line[1])
        found_statuses.append(status)
        reasons.append(reason)
    if problems:
        raise ReturnRefused(problems)
    if not found:
        raise ReturnRefused([Mismatch(start + 1, _("No line of the file has a payment status (支付状态)."))])
    return found


def payout_return_write(*, rows: ReturnRows, at: datetime) -> int:
    """The statuses in one UPDATE … FROM unnest(arrays), only on lines still planned; returns how many."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE benefits_payoutline l
               SET status = r.status, failure_reason = r.reason, returned_at = %s
              FROM unnest(%s::bigint[], %s::text[], %s::text[]) AS r(id, status, reason)
             WHERE l.id = r.id AND l.status = 'planned'
            """,
            [
                at,
                array_literal(rows.line_ids),
                array_literal(rows.statuses, cast="text"),
                array_literal(rows.reasons, cast="text"),
            ],
        )
        return cursor.rowcount


def payout_followups_notify(*, line_ids: list[int]) -> int:
    """Each failed line a message to the household's village contact (contacts.selectors.
    village_contacts_for_households) — "fix the bank account of … on the next visit". Constant queries."""
    from contacts.selectors import village_contacts_for_households
    from visits.messages import message_text
    from visits.models import Notification

    lines = list(
        PayoutLine.objects.filter(among("id", line_ids)).values_list(
            "pk",
            "member_id",
            "household_id",
            "household__number",
            "household__village_id",
            "beneficiary_name",
            "village_name",
            "amount",
            "failure_reason",
        )
    )
    if not lines:
        return 0
    contacts = village_contacts_for_households(villages={line[2]: line[4] for line in lines}, on=timezone.localdate())
    notes: list[Notification] = []
    with translation.override(settings.LANGUAGE_CODE):
        for pk, member_id, household_id, number, _village, name, place, amount, reason in lines:
            users = contacts[household_id]
            params = {
                "member": str(member_id),
                "line": pk,
                "name": name,
                "number": number,
                "place": place,
                "amount": str(amount),
                "reason": reason,
                # where the reader acts: the inbox links it (the person's bank-account form)
                "link": reverse("benefits:profiles:edit", args=[member_id]),
            }
            message = message_text(Notification.Kind.BANK_ACCOUNT, params)[:300]
            notes.extend(
                Notification(
                    user=user,
                    kind=Notification.Kind.BANK_ACCOUNT,
                    key=f"payoutline:{pk}",
                    household_id=household_id,
                    params=params,
                    message=message,
                )
                for user in users
            )
    Notification.objects.bulk_create(notes, ignore_conflicts=True, batch_size=2000)
    return len(notes)


def payout_return_apply(
    *, actor: User, batch: PayoutBatch, data: bytes, file_name: str = "", request: HttpRequest | None = None
) -> Applied:
    """Read the return file and apply it whole, or refuse it whole (ReturnRefused; nothing written)."""
    with cyclic_gc_paused(), transaction.atomic():  # the file's ~1 million cells (core.memory)
        return _return_apply(actor=actor, batch=batch, data=data, file_name=file_name, request=request)


def _read_beside_lines(data: bytes, batch: PayoutBatch) -> tuple[list[Sheet], dict[int, _Line]]:
    """The file read in a second thread while this one reads the batch's lines: calamine releases the GIL while
    it parses (most of a return's time), and the query waits on the database. The thread reads no database."""
    language = translation.get_language()

    def read() -> list[Sheet]:
        with translation.override(language):  # its messages in the reader's language
            return workbook_read(data)

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="payout-return") as pool:
        reading = pool.submit(read)
        lines = _batch_lines(batch)
        try:
            return reading.result(), lines
        except RosterFileError as exc:
            raise ReturnRefused([Mismatch(0, exc.message)]) from exc


def _return_apply(
    *, actor: User, batch: PayoutBatch, data: bytes, file_name: str, request: HttpRequest | None
) -> Applied:
    authorize(actor, Capability.MANAGE_PAYOUTS, within=batch.county.path)
    batch = PayoutBatch.objects.select_for_update(of=("self",)).select_related("county", "area").get(pk=batch.pk)
    if batch.state not in (PayoutBatch.State.GENERATED, PayoutBatch.State.RETURNED):
        raise ValidationError(_("A return is read once the payment has been generated."), code="state")
    sheets, lines = _read_beside_lines(data, batch)
    if not sheets:
        raise ReturnRefused([Mismatch(0, _("The workbook has no worksheet."))])
    rows = return_rows_check(batch=batch, rows=sheets[0].rows, formulas=sheets[0].formulas, lines=lines)
    now = timezone.now()
    with history_context(actor=actor, service="payout_return_apply"):
        written = payout_return_write(rows=rows, at=now)
        if written != len(rows):  # a return applied beside this one: all or nothing
            raise ValidationError(_("The batch changed while the file was read. Upload it again."), code="race")
        failed = rows.failed
        # Every file read is a step (a batch may come back in several files).
        PayoutStep.objects.create(
            batch=batch,
            from_state=batch.state,
            to_state=PayoutBatch.State.RETURNED,
            result="returned",
            params={"file": file_name[:100], "paid": len(rows) - len(failed), "failed": len(failed)},
            by=actor,
        )
        if batch.state != PayoutBatch.State.RETURNED:
            batch.state = PayoutBatch.State.RETURNED
            batch.save(update_fields=["state"])
        notified = payout_followups_notify(line_ids=failed)
    access_event_record(
        actor=actor,
        action=AccessEvent.Action.IMPORT,
        target=batch,
        target_label=batch.title,
        region_path=batch.area.path if batch.area is not None else batch.county.path,
        request=request,
        detail={
            "format": "payout_return",
            "file": file_name[:100],
            "paid": len(rows) - len(failed),
            "failed": len(failed),
        },
    )
    return Applied(paid=len(rows) - len(failed), failed=len(failed), notified=notified)
