-- A SCIM user carried into the next school year keeps its id (RFC 7643
-- §3.1): at the rentrée, the night gives a school fed by SCIM its accesses
-- of the year again (docs/scim.md, « La rentrée »), and the new grant's
-- SCIM data name the id of the user it continues. '' for a user whose id
-- is its grant's (extranet.SCIMUserID).
ALTER TABLE scim_users ADD COLUMN user_id TEXT NOT NULL DEFAULT '';
CREATE INDEX scim_users_user_id ON scim_users(fase, user_id) WHERE user_id <> '';
