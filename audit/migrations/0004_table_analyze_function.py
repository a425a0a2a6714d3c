"""``portal_analyze(table)``: ANALYZE a table of the public schema on behalf of the application role.

Only a table's owner may ANALYZE it (PostgreSQL 15; 17 adds a MAINTAIN privilege), and the application role
owns nothing (audit/database_roles.py). The overdue engine refreshes the flag table's statistics after a run
that opened or closed many flags, or its next statements are planned for the table as it was; this function,
owned by the owner and ``SECURITY DEFINER``, does exactly that and nothing else. ``app_role_grant`` gives the
application role EXECUTE; nobody else has it.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION public.portal_analyze(table_name text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF to_regclass(format('public.%I', table_name)) IS NULL THEN
        RAISE EXCEPTION 'portal_analyze: no table public.% ', table_name;
    END IF;
    EXECUTE format('ANALYZE public.%I', table_name);
END
$$;
REVOKE ALL ON FUNCTION public.portal_analyze(text) FROM PUBLIC;
"""

DROP = "DROP FUNCTION IF EXISTS public.portal_analyze(text);"


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_accessevent_identity_conflict_transfer")]

    operations = [migrations.RunSQL(CREATE, DROP)]
