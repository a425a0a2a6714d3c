"""Payouts: the town a town-review step was for; the trigger that keeps a correction within what failed; the
trigger that closes a failed line's follow-up when the person's bank account is changed (benefits.payouts)."""

import django.db.models.deletion
from django.db import migrations, models

# A correction line re-pays a failed line: that line must be failed, and the correction may not pay more
# (docs/BENEFITS.md §Payouts: "whose amount can never exceed what failed"). Checked on insert and on every update
# of the amount or of the line corrected, in the database, so no code path can pay more.
CORRECTION_WITHIN_FAILED = """
CREATE FUNCTION payoutline_correction_within_failed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    failed_amount numeric;
    failed_status varchar;
BEGIN
    SELECT amount, status INTO failed_amount, failed_status FROM benefits_payoutline WHERE id = NEW.corrects_id;
    IF failed_status IS DISTINCT FROM 'failed' THEN
        RAISE EXCEPTION 'payoutline_correction_within_failed: line % corrects line %, which is not failed',
            NEW.id, NEW.corrects_id USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.amount > failed_amount THEN
        RAISE EXCEPTION 'payoutline_correction_within_failed: % is more than the failed line''s %',
            NEW.amount, failed_amount USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER payoutline_correction_within_failed
    BEFORE INSERT OR UPDATE OF amount, corrects_id ON benefits_payoutline
    FOR EACH ROW WHEN (NEW.corrects_id IS NOT NULL)
    EXECUTE FUNCTION payoutline_correction_within_failed();
"""

# A failed payout line becomes a message to the household's village contact ("fix the bank account of … on the
# next visit", visits.Notification kind bank_account, params.member = the person). It is closed (read) the moment
# the person's payee, account or bank changes, whichever page or import changes it.
FOLLOW_UP_CLOSES = """
CREATE FUNCTION benefitprofile_account_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE visits_notification SET read_at = now()
     WHERE kind = 'bank_account' AND read_at IS NULL AND params->>'member' = NEW.member_id::text;
    RETURN NULL;
END;
$$;
CREATE TRIGGER benefitprofile_account_fixed
    AFTER UPDATE OF account_number, bank_name, payee_name, payee_id_number ON benefits_benefitprofile
    FOR EACH ROW WHEN (
        OLD.account_number IS DISTINCT FROM NEW.account_number OR OLD.bank_name IS DISTINCT FROM NEW.bank_name
        OR OLD.payee_name IS DISTINCT FROM NEW.payee_name OR OLD.payee_id_number IS DISTINCT FROM NEW.payee_id_number
    )
    EXECUTE FUNCTION benefitprofile_account_fixed();
CREATE INDEX notification_bank_account_open ON visits_notification ((params->>'member'))
    WHERE kind = 'bank_account' AND read_at IS NULL;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("benefits", "0002_national_standards"),
        ("regions", "0001_initial"),
        ("visits", "0011_payouts_bank_account_kind"),
    ]

    operations = [
        migrations.AddField(
            model_name="payoutstep",
            name="area",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="regions.region",
                verbose_name="area",
            ),
        ),
        migrations.RunSQL(
            CORRECTION_WITHIN_FAILED,
            reverse_sql="DROP TRIGGER payoutline_correction_within_failed ON benefits_payoutline;"
            "DROP FUNCTION payoutline_correction_within_failed();",
        ),
        migrations.RunSQL(
            FOLLOW_UP_CLOSES,
            reverse_sql="DROP INDEX notification_bank_account_open;"
            "DROP TRIGGER benefitprofile_account_fixed ON benefits_benefitprofile;"
            "DROP FUNCTION benefitprofile_account_fixed();",
        ),
    ]
