"""Payout batches through 惠民惠农"一卡通" (docs/BENEFITS.md §Payouts; issue 14, parts 4 and 5).

A batch (``PayoutBatch``) is a county's payout roster (花名册) for one scheme and a period of months, optionally
narrowed to a town or a village. Its lines (``PayoutLine``) are filled from the amount engine's *confirmed*
entitlements for those months — one line per person and scheme, the months summed, the engine's explanation kept
on the line — or from a previous batch (the same persons, amounts recomputed for the new period). The 17 roster
columns are snapshotted when the line is written, from the archive and the person's ``BenefitProfile``:

* head of household (户主): the household's husband, else its wife (a living one before a deceased one); this is
  the rule we chose — the archive has no head-of-household field;
* payee, payee's ID number, account and bank: the benefit profile; a person without an account (``has_account``
  false) cannot enter a batch and is listed as "missing an account", never dropped silently;
* group (村(居)民小组): empty (the archive keeps no group);
* age: on the batch's date filled in (填报日期).

A person whose months were already in a regular line of another batch is not added again: the selector leaves
them out and names the batch, and the exclusion constraint ``payoutline_no_month_paid_twice`` guarantees it (an
IntegrityError from a race is turned into a message).

**States**: draft → town review → county review → payment generated → returned (回盘) → closed; every move is a
``PayoutStep`` (who, result, opinion). A reviewer may send the batch back to draft with a reason.

* *Submit* (draft → town review, county staff) is refused while the batch is not reconciled (``reconciled_at``),
  or when the reconciliation, run again at that moment, finds a line no longer eligible.
* *Town review* is done town by town: each town cadre of a town that has lines in the batch confirms **its own
  town's lines** (a step with ``area`` = the town). The batch moves to county review when every such town has
  confirmed since the last submit. Lines of a household without a village belong to no town: the county review
  covers them. A town cadre may also send the whole batch back (with a reason), which undoes every town's
  confirmation (the next submit asks them all again).
* *County review* (county staff) generates the payment; it is refused, like the submit, when a line has become
  ineligible since (a death recorded after the town review shows here, and the batch goes back to draft).

**Reconciliation** compares the lines with the engine for the batch's months and with the archive's events — a
death, another child, a closed or moved household, the child's recovery, the child's death (the family moved to the
death branch), an unconfirmed annual review — and lists who is eligible but missing (and who of them has no account)
and who is in the batch but no longer eligible or due another amount, with the reason. Staff remove, add or
recompute lines, then mark the batch reconciled; any later change to the lines clears the mark.

**Roster and return**: the roster is exported in the 17-column layout plus an 18th column 失败原因 (failure
reason, empty) for the bank's answer. The file holds full account and ID numbers (it goes to the bank): county
staff only, every download an access event. The return (回盘) is that file with 支付状态 (成功/已支付 → paid,
失败 → failed) and 失败原因 filled in; lines are matched by 序号 + 享受人身份证号 + 补贴金额, and a file with an
unknown line, a changed amount or a line already returned is refused whole, every mismatch listed.

**Correction** (更正发放（第N次）): from a returned batch's failed lines whose account has since been fixed (the
payee, account and bank re-read from the profile); the amount is the failed line's — never more (the trigger
``payoutline_correction_within_failed``) — and a failed line is re-paid at most once (``corrects`` is one-to-one).

**Follow-up**: each failed line becomes a message (visits ``Notification`` kind ``bank_account``) to the
household's village contact (its 四对一 village-cadre holder, else the village's cadres): "fix the bank account of
… on the next visit". The database closes it (marks it read) when the person's payee, account or bank changes
(trigger ``benefitprofile_account_fixed``), whichever page or import changes it; ``payout_followups_for_user``
lists the open ones.
"""
