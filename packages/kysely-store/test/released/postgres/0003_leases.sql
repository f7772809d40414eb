create table "auditkit_leases" ("name" text primary key, "holder" text not null, "token" bigint not null, "expires_at" timestamptz not null);
