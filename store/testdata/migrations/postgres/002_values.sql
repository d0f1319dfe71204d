CREATE TABLE moments (id INTEGER PRIMARY KEY, at timestamptz, day date, flag boolean NOT NULL);
