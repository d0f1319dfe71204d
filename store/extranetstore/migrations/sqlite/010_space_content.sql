-- The content of the portal's spaces (« Espace enseignants », « Espace
-- direction »), which operators edit in the console: links and short
-- notices, for every school (fase 0) or one. Same conventions as 001 (until 014):
-- instants as TEXT in store.TimeLayout, '' for "none".
CREATE TABLE space_items (
    id          TEXT PRIMARY KEY,
    space       TEXT NOT NULL,
    fase        INTEGER NOT NULL DEFAULT 0,
    kind        TEXT NOT NULL,
    title       TEXT NOT NULL,
    body        TEXT NOT NULL DEFAULT '',
    url         TEXT NOT NULL DEFAULT '',
    position    INTEGER NOT NULL DEFAULT 0,
    updated_at  TEXT NOT NULL,
    updated_by  TEXT NOT NULL
);
CREATE INDEX space_items_space ON space_items(space, fase);
