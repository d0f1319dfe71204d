-- PostgreSQL drops the foreign keys of grants and accounts here, for the
-- cost of checking them row by row (see the PostgreSQL migration). SQLite
-- checks them in process, at little cost: they stay. This migration keeps
-- the two dialects' numbering in step.
SELECT 1;
