-- Snapshots of long streams: derived from the events, so they may be dropped at
-- any time. A command loads the latest one and only the events after it.
create table snapshots (
  stream_id      text primary key,
  version        bigint not null,
  position       bigint not null,
  schema_version integer not null,
  state          jsonb not null,
  taken_at       timestamptz not null default now()
);
