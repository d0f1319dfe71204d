-- Who disabled an account: '' when the night run did (the person had no
-- access left; a new access opens it again), the operator's actor
-- ("operator:login") when the console did (it stays disabled until an
-- operator enables it again, whatever the schools send).
ALTER TABLE accounts ADD COLUMN disabled_by TEXT NOT NULL DEFAULT '';
