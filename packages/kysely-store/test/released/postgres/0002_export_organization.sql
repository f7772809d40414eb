alter table "auditkit_exports" add column "organization_id" text default '' not null;
update "auditkit_exports" set "organization_id" = coalesce("filters"::jsonb ->> 'organizationId', '');
alter table "auditkit_exports" alter column "organization_id" drop default;
