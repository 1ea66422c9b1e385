-- Schema version 4: the users of taskloom-webserver, their browser sessions and API tokens
-- (issue 18).  Session ids and tokens are stored as SHA-256 digests only, so a copy of the
-- DB logs nobody in; passwords as Argon2id hashes.  postgresql/0004_web_users.sql is the same schema.
CREATE TABLE web_user (
    username      TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL,
    created_at    TEXT NOT NULL
);

CREATE TABLE web_session (
    id_hash    TEXT PRIMARY KEY,
    username   TEXT NOT NULL REFERENCES web_user (username) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX web_session_expires ON web_session (expires_at);

CREATE TABLE web_api_token (
    token_hash TEXT PRIMARY KEY,
    username   TEXT NOT NULL REFERENCES web_user (username) ON DELETE CASCADE,
    created_at TEXT NOT NULL
);
