-- The outbox relay's cursor: how far the event store has been published to the bus.
-- One row per relay name; saved only after the broker acknowledged.
create table relay_cursors (
  relay          text primary key,
  transaction_id xid8 not null,
  position       bigint not null,
  updated_at     timestamptz not null default now()
);
