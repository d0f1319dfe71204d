-- Who first opened a failed or held transfer, and when: until then the
-- school's list shows a banner about it to every user.
ALTER TABLE transfers ADD COLUMN seen_by TEXT NOT NULL DEFAULT '';
ALTER TABLE transfers ADD COLUMN seen_at TEXT NOT NULL DEFAULT '';
