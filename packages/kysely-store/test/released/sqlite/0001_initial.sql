create table "auditkit_events" ("id" text primary key, "organization_id" text not null, "idempotency_key" text not null, "fingerprint" text not null, "action" text not null, "version" integer not null, "occurred_at" integer not null, "received_at" integer not null, "actor_type" text not null, "actor_id" text not null, "actor_name" text, "actor_metadata" text, "targets" text not null, "context_location" text not null, "context_user_agent" text, "metadata" text);
create unique index "auditkit_events_idempotency" on "auditkit_events" ("organization_id", "idempotency_key");
create index "auditkit_events_org_time" on "auditkit_events" ("organization_id", "occurred_at", "id");
create index "auditkit_events_org_action_time" on "auditkit_events" ("organization_id", "action", "occurred_at");
create index "auditkit_events_org_actor_time" on "auditkit_events" ("organization_id", "actor_id", "occurred_at");
create table "auditkit_schemas" ("action" text not null, "version" integer not null, "definition" text not null, "created_at" integer not null, constraint "auditkit_schemas_pk" primary key ("action", "version"));
create table "auditkit_exports" ("id" text primary key, "state" text not null, "format" text not null, "filters" text not null, "created_at" integer not null, "updated_at" integer not null, "path" text, "row_count" integer, "error_message" text);
create table "auditkit_retention" ("organization_id" text primary key, "retention_period_in_days" integer not null check (retention_period_in_days > 0));
