alter table "auditkit_events" add column "position" bigint;
alter table "auditkit_events" add column "hash" text;
alter table "auditkit_events" add column "previous_hash" text;
create table "auditkit_sequence_heads" ("organization_id" text primary key, "position" bigint not null, "hash" text not null);
select distinct "organization_id" from "auditkit_events" order by "organization_id";
create unique index "auditkit_events_sequence" on "auditkit_events" ("organization_id", "position");
alter table "auditkit_events" alter column "position" set not null;
alter table "auditkit_events" alter column "hash" set not null;
alter table "auditkit_events" alter column "previous_hash" set not null;
