-- Runs once, on the first start of an empty Postgres data directory
-- (mounted into /docker-entrypoint-initdb.d/ by docker-compose.yml).
-- POSTGRES_DB=dcos usually creates the database already; this keeps it so if that changes.
-- Each service creates its own schema (master, marathon, iam, dss) in its migrations.
SELECT 'CREATE DATABASE dcos'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'dcos')\gexec
