-- Signed-in sessions. Not events: a session is a credential, not a fact of the
-- domain. Only a hash of the session id is stored, so a leaked table cannot be
-- replayed as cookies.
create table sessions (
  id_hash    text primary key,
  user_id    uuid not null,
  username   text not null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null
);
create index sessions_expiry on sessions (expires_at);
