-- A snapshot in parts: its head stays in snapshots.state, and each entry a decision
-- reads by key (a post's liker, a comment) is a row here. A command on a post with
-- 100,000 events reads the head and one entry, not every liker and comment. Entries
-- are written with their head in one transaction and read with it in one statement.
-- Snapshots of an older schema version hold their whole state in `state` and are
-- rebuilt by the next write that moves them forward. A head may be dropped (its entries
-- go with it); entries alone never: a head without its likers would count likes twice.
create table snapshot_entries (
  stream_id text  not null references snapshots (stream_id) on delete cascade,
  key       text  not null,
  value     jsonb not null,
  primary key (stream_id, key)
);
