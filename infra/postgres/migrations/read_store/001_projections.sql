-- The read store: projection tables shaped for the queries, the projector's
-- checkpoints, dead letters and restore jobs. Everything here can be rebuilt
-- from the event store.

-- Projection tables (rebuilt and swapped in by Restore read DB) ---------------

create table users (
  id            uuid primary key,
  username      text not null unique,
  registered_at timestamptz not null
);

-- One row per live post; a removed post's row is deleted. Counts are kept here
-- so the feed needs no join.
create table posts (
  id          uuid primary key,
  author      uuid not null,
  author_name text not null,
  message     text not null,
  created_at  timestamptz not null,
  updated_at  timestamptz,
  likes       integer not null default 0 check (likes >= 0),
  comments    integer not null default 0 check (comments >= 0),
  version     integer not null
);
create index posts_feed on posts (created_at desc, id desc);
create index posts_by_author on posts (author_name, created_at desc, id desc);

create table comments (
  id          uuid primary key,
  post_id     uuid not null,
  author      uuid not null,
  author_name text not null,
  comment     text not null,
  created_at  timestamptz not null,
  updated_at  timestamptz
);
create index comments_of_post on comments (post_id, created_at, id);

create table likes (
  post_id  uuid not null,
  user_id  uuid not null,
  liked_at timestamptz not null,
  primary key (post_id, user_id)
);
create index likes_by_user on likes (user_id, liked_at desc);

-- Last applied version and position per stream: redeliveries are skipped and
-- a stream is never applied out of version order.
create table projection_streams (
  stream_id text primary key,
  version   bigint not null,
  position  bigint not null
);

-- Every applied global position, so a reader can wait for "my write is visible".
create table applied_positions (
  position bigint primary key
);

-- Projector bookkeeping (kept across restores) ---------------------------------

-- Kafka partition offsets, committed in the same transaction as the rows.
create table projector_checkpoints (
  consumer_group text not null,
  topic          text not null,
  partition      integer not null,
  next_offset    bigint not null,
  updated_at     timestamptz not null default now(),
  primary key (consumer_group, topic, partition)
);

-- Highest global position applied (lag and the admin page).
create table projector_state (
  id           text primary key,
  max_position bigint not null default 0,
  updated_at   timestamptz not null default now()
);
insert into projector_state (id) values ('projector');

create table dead_letters (
  id              bigint generated always as identity primary key,
  event_id        uuid not null,
  stream_id       text not null,
  stream_version  bigint,
  global_position bigint,
  event_type      text not null,
  payload         jsonb not null,
  error           text not null,
  attempts        integer not null,
  created_at      timestamptz not null default now(),
  resolved_at     timestamptz
);
create unique index dead_letters_open on dead_letters (event_id) where resolved_at is null;

create table restore_jobs (
  id           uuid primary key,
  status       text not null check (status in ('running', 'swapping', 'done', 'failed')),
  requested_by text not null,
  total        bigint not null default 0,
  done         bigint not null default 0,
  error        text,
  started_at   timestamptz not null default now(),
  finished_at  timestamptz
);
-- At most one restore runs at a time.
create unique index restore_jobs_one_running on restore_jobs ((true))
  where status in ('running', 'swapping');
