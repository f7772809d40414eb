alter table "auditkit_exports" add column "lease_token" integer;
alter table "auditkit_exports" add column "object_key" text;
alter table "auditkit_exports" add column "expires_at" integer;
create index "auditkit_exports_state_expiry" on "auditkit_exports" ("state", "expires_at", "id");
