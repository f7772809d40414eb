alter table "auditkit_exports" add column "organization_id" text default '' not null;
update "auditkit_exports" set "organization_id" = coalesce(case when json_valid("filters") then json_extract("filters", '$.organizationId') end, '');
