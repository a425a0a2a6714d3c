"""Insurance speed: the enrolled line's two foreign keys — the person (households_member) and the product with its
period (insuredline_policy, migration 0007) — were checked once per enrolled person at commit (two deferred
row triggers, each a query and a row lock: 200,000 of each per enrolment, docs/PERFORMANCE.md). They are now checked
once per statement, set-based, by the same guarantees written as triggers:

* after every INSERT or UPDATE of lines (a statement trigger over the statement's new rows): the products and the
  persons the rows name are locked FOR KEY SHARE in one statement each, as a foreign key's check locks them (so a
  concurrent delete of a person or a change of a product's period waits for this transaction), and any row whose
  product, series and period are not its product's, or whose person does not exist, fails the statement with
  SQLSTATE 23503 and the old constraint's name;
* a product's new period or series is copied onto its lines (was ON UPDATE CASCADE), where insuredline_inside_policy
  checks it; a product with lines cannot be deleted, nor a person holding one (was the keys' NO ACTION).

tests/benefits/test_insurance_enrolment.py holds each of these against the database."""

from django.db import migrations, models

FORWARD = r"""
ALTER TABLE benefits_insuredline DROP CONSTRAINT insuredline_policy;

CREATE FUNCTION benefits_insuredline_keys_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    bad bigint;
BEGIN
    PERFORM 1 FROM benefits_insuranceproduct p
     WHERE p.id IN (SELECT DISTINCT n.product_id FROM new_lines n) ORDER BY p.id FOR KEY SHARE;
    PERFORM 1 FROM households_member m
     WHERE m.id IN (SELECT n.member_id FROM new_lines n) ORDER BY m.id FOR KEY SHARE;
    SELECT n.id INTO bad FROM new_lines n
     WHERE NOT EXISTS (SELECT 1 FROM benefits_insuranceproduct p
                        WHERE p.id = n.product_id AND p.series = n.series
                          AND p.starts_on = n.policy_starts_on AND p.ends_on = n.policy_ends_on)
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'insert or update on table "benefits_insuredline" violates foreign key constraint %',
                        '"insuredline_policy"'
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'insuredline_policy',
                  TABLE = 'benefits_insuredline',
                  DETAIL = format('Line %s does not carry its product''s series and period.', bad);
    END IF;
    SELECT n.id INTO bad FROM new_lines n
     WHERE NOT EXISTS (SELECT 1 FROM households_member m WHERE m.id = n.member_id)
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'insert or update on table "benefits_insuredline" violates foreign key constraint %',
                        '"insuredline_member_key"'
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'insuredline_member_key',
                  TABLE = 'benefits_insuredline',
                  DETAIL = format('Line %s names a person who does not exist.', bad);
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER insuredline_keys_insert AFTER INSERT ON benefits_insuredline
    REFERENCING NEW TABLE AS new_lines FOR EACH STATEMENT EXECUTE FUNCTION benefits_insuredline_keys_check();
CREATE TRIGGER insuredline_keys_update AFTER UPDATE ON benefits_insuredline
    REFERENCING NEW TABLE AS new_lines FOR EACH STATEMENT EXECUTE FUNCTION benefits_insuredline_keys_check();

CREATE FUNCTION benefits_insuranceproduct_period_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE benefits_insuredline
       SET series = NEW.series, policy_starts_on = NEW.starts_on, policy_ends_on = NEW.ends_on
     WHERE product_id = NEW.id;
    RETURN NULL;
END;
$$;

CREATE TRIGGER insuranceproduct_period_follow AFTER UPDATE OF series, starts_on, ends_on ON benefits_insuranceproduct
    FOR EACH ROW WHEN (OLD.series IS DISTINCT FROM NEW.series OR OLD.starts_on <> NEW.starts_on
                       OR OLD.ends_on <> NEW.ends_on)
    EXECUTE FUNCTION benefits_insuranceproduct_period_follow();

CREATE FUNCTION benefits_insuredline_referenced_protect() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'benefits_insuranceproduct' THEN
        PERFORM 1 FROM benefits_insuredline WHERE product_id = OLD.id LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'delete on table "benefits_insuranceproduct" violates foreign key constraint % on %',
                            '"insuredline_policy"', 'table "benefits_insuredline"'
                USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'insuredline_policy';
        END IF;
    ELSE
        PERFORM 1 FROM benefits_insuredline WHERE member_id = OLD.id LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'update or delete on table "households_member" violates foreign key constraint % on %',
                            '"insuredline_member_key"', 'table "benefits_insuredline"'
                USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'insuredline_member_key';
        END IF;
    END IF;
    RETURN OLD;
END;
$$;

CREATE TRIGGER insuranceproduct_lines_protect BEFORE DELETE ON benefits_insuranceproduct
    FOR EACH ROW EXECUTE FUNCTION benefits_insuredline_referenced_protect();
CREATE TRIGGER member_insuredlines_protect BEFORE DELETE ON households_member
    FOR EACH ROW EXECUTE FUNCTION benefits_insuredline_referenced_protect();
CREATE TRIGGER member_insuredlines_protect_id BEFORE UPDATE OF id ON households_member
    FOR EACH ROW WHEN (OLD.id <> NEW.id) EXECUTE FUNCTION benefits_insuredline_referenced_protect();
"""

BACKWARD = r"""
DROP TRIGGER member_insuredlines_protect_id ON households_member;
DROP TRIGGER member_insuredlines_protect ON households_member;
DROP TRIGGER insuranceproduct_lines_protect ON benefits_insuranceproduct;
DROP FUNCTION benefits_insuredline_referenced_protect();
DROP TRIGGER insuranceproduct_period_follow ON benefits_insuranceproduct;
DROP FUNCTION benefits_insuranceproduct_period_follow();
DROP TRIGGER insuredline_keys_update ON benefits_insuredline;
DROP TRIGGER insuredline_keys_insert ON benefits_insuredline;
DROP FUNCTION benefits_insuredline_keys_check();
ALTER TABLE benefits_insuredline ADD CONSTRAINT insuredline_policy
    FOREIGN KEY (product_id, series, policy_starts_on, policy_ends_on)
    REFERENCES benefits_insuranceproduct (id, series, starts_on, ends_on)
    ON UPDATE CASCADE DEFERRABLE INITIALLY DEFERRED;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("benefits", "0010_standard_documents_link"),
        ("households", "0010_household_benefit_facts"),
    ]

    operations = [
        migrations.AlterField(
            model_name="insuredline",
            name="member",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=models.deletion.PROTECT,
                related_name="insured_lines",
                to="households.member",
                verbose_name="person",
            ),
        ),
        migrations.RunSQL(FORWARD, BACKWARD),
    ]
