-- PostgreSQL roles for Voelspriet in production (see README, "Production").
--
-- voelspriet_owner owns the schema and runs the migrations (flask --app wsgi db upgrade).
-- voelspriet_app is what the running app logs in as: it reads and writes the tables, but may
-- not TRUNCATE (which would bypass the append-only triggers), UPDATE or DELETE audit records.
-- 1. As a superuser, in the (empty) Voelspriet database; replace the passwords:

CREATE ROLE voelspriet_owner LOGIN PASSWORD 'change me';
CREATE ROLE voelspriet_app LOGIN PASSWORD 'change me too';
ALTER SCHEMA public OWNER TO voelspriet_owner;
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO voelspriet_app;

-- 2. Create the tables as the owner:
--      DATABASE_URL=postgresql://voelspriet_owner:...@host/voelspriet flask --app wsgi db upgrade
-- 3. Then, as the owner (or a superuser), grant the app its rights:

-- Every table: read and write, never TRUNCATE (nor REFERENCES or TRIGGER).
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO voelspriet_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO voelspriet_app;
-- The audit trail is append-only for the app, on top of the triggers that refuse changes.
REVOKE UPDATE, DELETE, TRUNCATE ON audit_record FROM voelspriet_app;

-- Tables the owner creates later (new migrations) get the same rights.
ALTER DEFAULT PRIVILEGES FOR ROLE voelspriet_owner IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO voelspriet_app;
ALTER DEFAULT PRIVILEGES FOR ROLE voelspriet_owner IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO voelspriet_app;

-- Check: both must say false.
SELECT has_table_privilege('voelspriet_app', 'audit_record', 'TRUNCATE') AS can_truncate,
       has_table_privilege('voelspriet_app', 'audit_record', 'UPDATE') AS can_update;
