-- A SCIM user deleted then given access again is a new resource (RFC 7643
-- §3.1: an id is never reassigned; RFC 7644 §3.6: the deleted one answers
-- 404 for ever): generation counts the deletions of the grant through
-- SCIM, and the user's id is the grant's followed by it (docs/scim.md);
-- recreated_at is when a SCIM write gave the grant access again after its
-- deletion, the new user's meta.created (NULL until then).
ALTER TABLE scim_users ADD COLUMN generation INTEGER NOT NULL DEFAULT 0;
ALTER TABLE scim_users ADD COLUMN recreated_at timestamptz;
