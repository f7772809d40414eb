create table "auditkit_leases" ("name" text primary key, "holder" text not null, "token" integer not null, "expires_at" integer not null);
