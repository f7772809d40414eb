import type { AuditLogSchema } from '@auditkit/core';
import type { Command } from 'commander';
import { CliError, describeError } from '../cli-error.js';
import { printJson, withAuditLog } from '../command-context.js';
import { readSchemaFile } from '../schema-file.js';
import { formatTable } from '../table.js';

/** `auditkit schemas apply|list`. */
export function registerSchemas(program: Command): void {
  const schemas = program.command('schemas').description('declare and list event schemas');

  schemas
    .command('apply')
    .description(
      'declare the schemas of a JSON or YAML file; a schema identical to its latest version adds nothing, so deploy steps can run it every time',
    )
    .argument('<file>', 'a .json, .yaml or .yml file: a list of schemas, or { schemas: [...] }')
    .addHelpText(
      'after',
      `
The file is applied in order and stops at the first schema that is rejected (those before it
stay applied; running it again is safe).

Example:
  $ auditkit schemas apply audit-schemas.yaml --url sqlite:./audit.db
  where audit-schemas.yaml holds:
    - action: user.signed_in
      targets: [{ type: team }]
      metadata: { plan: string }`,
    )
    .action(async (file: string, _options: unknown, command: Command) => {
      const declared = await readSchemaFile(file);
      await withAuditLog(command, { create: false }, async (auditLog, globals) => {
        const applied: { action: string; version: number; created: boolean }[] = [];
        for (const [index, schema] of declared.entries()) {
          let stored: AuditLogSchema;
          let previous: number | undefined;
          try {
            if (typeof schema.action === 'string' && schema.action !== '') {
              const latest = await auditLog.listSchemas({ action: schema.action, limit: 1, order: 'desc' });
              previous = latest.data[0]?.version;
            }
            stored = await auditLog.createSchema(schema);
          } catch (error) {
            const name =
              typeof schema.action === 'string' && schema.action !== '' ? ` (${schema.action})` : '';
            throw new CliError(
              'failure',
              `${file}: schema ${index + 1}${name} was rejected: ${describeError(error)}`,
              {
                cause: error,
              },
            );
          }
          // Reporting only: the store's unique (action, version) decides what is stored.
          const result = {
            action: stored.action,
            version: stored.version,
            created: stored.version !== previous,
          };
          applied.push(result);
          if (!globals.json && !globals.quiet) {
            process.stdout.write(
              `${result.action}: version ${result.version} ${result.created ? 'created' : 'unchanged'}\n`,
            );
          }
        }
        if (globals.json) printJson(applied);
      });
    });

  schemas
    .command('list')
    .description('list every action with its latest schema version')
    .addHelpText('after', '\nExample:\n  $ auditkit schemas list --url sqlite:./audit.db --json')
    .action(async (_options: unknown, command: Command) => {
      await withAuditLog(command, { create: false }, async (auditLog, globals) => {
        const actions = [];
        let after: string | undefined;
        for (;;) {
          const page = await auditLog.listActions({ limit: 100, order: 'asc', ...(after ? { after } : {}) });
          actions.push(...page.data);
          if (!page.listMetadata.after) break;
          after = page.listMetadata.after;
        }
        if (globals.json) {
          printJson(
            actions.map(({ name, schema, createdAt, updatedAt }) => ({
              action: name,
              version: schema.version,
              targets: schema.targets.map((t) => t.type),
              createdAt,
              updatedAt,
            })),
          );
          return;
        }
        if (actions.length === 0) {
          if (!globals.quiet)
            process.stderr.write('no schemas yet; declare them with `auditkit schemas apply <file>`\n');
          return;
        }
        const rows = actions.map(({ name, schema, updatedAt }) => [
          name,
          String(schema.version),
          schema.targets.map((target) => target.type).join(','),
          updatedAt.toISOString(),
        ]);
        process.stdout.write(formatTable(['ACTION', 'VERSION', 'TARGETS', 'UPDATED'], rows));
      });
    });
}
