"""The bank's return (回盘): the payout roster sent back with 支付状态 and 失败原因 filled in.

Each row is matched with a line of the batch by 序号 + 享受人身份证号 + 补贴金额. A file with an unknown line, a changed
amount, a line already returned, a line twice, an unknown status or a failure without its reason is refused whole:
every mismatch is listed (row number and what) and nothing is written. A row whose 支付状态 is empty has not come
back yet (the bank may return a batch in several files). The accepted file is applied in one UPDATE from arrays
(:func:`payout_return_write`), and each failed line becomes a follow-up for the household's village contact
(:func:`payout_followups_notify`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Capability, Role
from accounts.scope import authorize
from audit.history import history_context
from audit.models import AccessEvent
from audit.services import access_event_record
from benefits.models import PayoutBatch, PayoutLine, PayoutStep
from core.db import array_literal
from households.roster.reader import RosterFileError, workbook_read

# The columns the return is read by (the roster's headers, benefits.payouts.exports.COLUMNS).
SEQ, STATUS, ID_NUMBER, AMOUNT, REASON = "序号", "支付状态", "享受人身份证号", "补贴金额", "失败原因"
PAID_WORDS = frozenset({"成功", "已支付", "支付成功", "paid"})
FAILED_WORDS = frozenset({"失败", "支付失败", "failed"})
CENT = Decimal("0.01")


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
class ReturnRow:
    row: int
    line_id: int
    status: str
    reason: str


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


def _amount(value: Any) -> Decimal | None:
    try:
        if isinstance(value, float):
            return Decimal(repr(value)).quantize(CENT)
        return Decimal(_text(value).replace(",", "")).quantize(CENT)
    except (InvalidOperation, ValueError):
        return None


def _seq(value: Any) -> int | None:
    text = _text(value)
    return int(text) if text.isdigit() else None


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


def _status(word: str) -> str | None:
    word = word.lower()
    if word in PAID_WORDS:
        return PayoutLine.Status.PAID
    if word in FAILED_WORDS:
        return PayoutLine.Status.FAILED
    return None


@dataclass(frozen=True)
class _Row:
    number: int
    seq: int
    id_number: str
    amount_cell: Any
    status: str | None
    reason: str


def _line_problems(row: _Row, line: tuple[int, str, Decimal, str], seen: dict[int, int]) -> list[Mismatch]:
    """What does not match between one row of the file and its line (pk, ID number, amount, status)."""
    _pk, id_number, amount, status = line
    seq, number = row.seq, row.number
    problems = []
    if row.id_number != id_number:
        problems.append(Mismatch(number, _("line %(seq)d: the ID number is not this line's") % {"seq": seq}))
    if _amount(row.amount_cell) != amount:
        problems.append(
            Mismatch(
                number,
                _("line %(seq)d: the amount was changed (%(file)s in the file, %(batch)s in the batch)")
                % {"seq": seq, "file": _text(row.amount_cell), "batch": amount},
            )
        )
    if status != PayoutLine.Status.PLANNED:
        problems.append(
            Mismatch(
                number,
                _("line %(seq)d has come back already (%(status)s)")
                % {"seq": seq, "status": PayoutLine.Status(status).label},
            )
        )
    if seq in seen:
        problems.append(Mismatch(number, _("line %(seq)d is also on row %(row)d") % {"seq": seq, "row": seen[seq]}))
    seen.setdefault(seq, number)
    if row.status == PayoutLine.Status.FAILED and not row.reason:
        problems.append(Mismatch(number, _("line %(seq)d failed without a reason (失败原因)") % {"seq": seq}))
    return problems


def return_rows_check(*, batch: PayoutBatch, rows: list[list[Any]]) -> list[ReturnRow]:
    """Match every row with a status to a line of the batch; raise ReturnRefused listing every mismatch."""
    start, columns = _header(rows)
    lines = {
        seq: (pk, id_number, amount, status)
        for pk, seq, id_number, amount, status in PayoutLine.objects.filter(batch=batch).values_list(
            "pk", "seq", "beneficiary_id_number", "amount", "status"
        )
    }
    problems: list[Mismatch] = []
    found: list[ReturnRow] = []
    seen: dict[int, int] = {}

    def cell(row: list[Any], name: str) -> Any:
        column = columns.get(name)
        return row[column] if column is not None and column < len(row) else None

    for index in range(start + 1, len(rows)):
        row, number = rows[index], index + 1
        word = _text(cell(row, STATUS))
        if not word:
            continue  # not returned yet (or the totals row)
        status = _status(word)
        seq = _seq(cell(row, SEQ))
        line = lines.get(seq) if seq is not None else None
        if status is None:
            problems.append(
                Mismatch(number, _("unknown payment status “%(word)s” (成功, 已支付 or 失败)") % {"word": word})
            )
        if line is None or seq is None:
            problems.append(Mismatch(number, _("no line %(seq)s in this batch") % {"seq": _text(cell(row, SEQ))}))
            continue
        reason = _text(cell(row, REASON))[:200]
        found_row = _Row(number, seq, _text(cell(row, ID_NUMBER)).upper(), cell(row, AMOUNT), status, reason)
        problems.extend(_line_problems(found_row, line, seen))
        if status is not None:
            found.append(ReturnRow(number, line[0], status, reason if status == PayoutLine.Status.FAILED else ""))
    if problems:
        raise ReturnRefused(problems)
    if not found:
        raise ReturnRefused([Mismatch(start + 1, _("No line of the file has a payment status (支付状态)."))])
    return found


def payout_return_write(*, rows: list[ReturnRow], at: datetime) -> int:
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
                array_literal(r.line_id for r in rows),
                array_literal((r.status for r in rows), cast="text"),
                array_literal((r.reason for r in rows), cast="text"),
            ],
        )
        return cursor.rowcount


def payout_followups_notify(*, line_ids: list[int]) -> int:
    """Each failed line a message to the household's village contact — its 四对一 village-cadre holder, else the
    active village cadres of its village — "fix the bank account of … on the next visit". Constant queries."""
    from contacts.selectors import responsible_users_for_households
    from visits.messages import message_text
    from visits.models import Notification

    lines = list(PayoutLine.objects.filter(pk__in=line_ids).select_related("household", "household__village", "batch"))
    if not lines:
        return 0
    households = list({line.household_id for line in lines})
    holders = responsible_users_for_households(household_ids=households, slot="village_cadre", on=timezone.localdate())
    villages = {line.household.village_id for line in lines if line.household.village_id}
    cadres: dict[int, list[Any]] = {}
    for user in User.objects.filter(region_id__in=villages, role=Role.VILLAGE_CADRE, is_active=True):
        cadres.setdefault(user.region_id, []).append(user)
    notes: list[Notification] = []
    with translation.override(settings.LANGUAGE_CODE):
        for line in lines:
            users = holders.get(line.household_id) or cadres.get(line.household.village_id or 0, [])
            params = {
                "member": str(line.member_id),
                "line": line.pk,
                "name": line.beneficiary_name,
                "number": line.household.number,
                "place": line.village_name,
                "amount": str(line.amount),
                "reason": line.failure_reason,
                # where the reader acts: the inbox links it (the person's bank-account form)
                "link": reverse("benefits:profiles:edit", args=[line.member_id]),
            }
            message = message_text(Notification.Kind.BANK_ACCOUNT, params)[:300]
            notes.extend(
                Notification(
                    user=user,
                    kind=Notification.Kind.BANK_ACCOUNT,
                    key=f"payoutline:{line.pk}",
                    household_id=line.household_id,
                    params=params,
                    message=message,
                )
                for user in users
            )
    Notification.objects.bulk_create(notes, ignore_conflicts=True, batch_size=2000)
    return len(notes)


@transaction.atomic
def payout_return_apply(
    *, actor: User, batch: PayoutBatch, data: bytes, file_name: str = "", request: HttpRequest | None = None
) -> Applied:
    """Read the return file and apply it whole, or refuse it whole (ReturnRefused; nothing written)."""
    authorize(actor, Capability.MANAGE_PAYOUTS, within=batch.county.path)
    batch = PayoutBatch.objects.select_for_update(of=("self",)).select_related("county", "area").get(pk=batch.pk)
    if batch.state not in (PayoutBatch.State.GENERATED, PayoutBatch.State.RETURNED):
        raise ValidationError(_("A return is read once the payment has been generated."), code="state")
    try:
        sheets = workbook_read(data)
    except RosterFileError as exc:
        raise ReturnRefused([Mismatch(0, exc.message)]) from exc
    if not sheets:
        raise ReturnRefused([Mismatch(0, _("The workbook has no worksheet."))])
    rows = return_rows_check(batch=batch, rows=sheets[0].rows)
    now = timezone.now()
    with history_context(actor=actor, service="payout_return_apply"):
        written = payout_return_write(rows=rows, at=now)
        if written != len(rows):  # a return applied beside this one: all or nothing
            raise ValidationError(_("The batch changed while the file was read. Upload it again."), code="race")
        failed = [r.line_id for r in rows if r.status == PayoutLine.Status.FAILED]
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
