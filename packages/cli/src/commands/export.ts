import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { readFile, rename, rm } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import type { AuditLog, AuditLogExportFilters } from '@auditkit/core';
import { type Command, Option } from 'commander';
import { CliError } from '../cli-error.js';
import { collect, parseDateOption, printJson, withAuditLog } from '../command-context.js';
import { startProgress } from '../progress.js';

interface ExportOptions {
  organization: string;
  from?: Date;
  to?: Date;
  action?: string[];
  actorId?: string[];
  actorName?: string[];
  target?: string[];
  format: 'csv' | 'ndjson';
  output?: string;
  manifest?: string;
  signingKey?: string;
  keyId?: string;
}

/** The widest range a store keeps: `--from`/`--to` default to it, so an export takes everything. */
export const WHOLE_RANGE = {
  rangeStart: new Date('0000-01-01T00:00:00.000Z'),
  rangeEnd: new Date('9999-12-31T23:59:59.999Z'),
};

/** `auditkit export`: one organization's events as CSV or NDJSON, streamed. */
export function registerExport(program: Command): void {
  program
    .command('export')
    .description("stream an organization's events, oldest first, as CSV or NDJSON to stdout or a file")
    .requiredOption('-o, --organization <id>', 'the organization whose events to export')
    .option('--from <date>', 'only events at or after this time (inclusive)', parseDateOption('--from'))
    .option('--to <date>', 'only events before this time (exclusive)', parseDateOption('--to'))
    .option('--action <action>', 'only this action (repeatable)', collect)
    .option('--actor-id <id>', 'only this actor id (repeatable)', collect)
    .option('--actor-name <name>', 'only this actor name (repeatable)', collect)
    .option('--target <type>', 'only events with a target of this type (repeatable)', collect)
    .addOption(new Option('-f, --format <format>', 'output format').choices(['csv', 'ndjson']).default('csv'))
    .option(
      '--output <file>',
      'write to this file (replaced only when the export completes) instead of stdout',
    )
    .option(
      '--manifest <file>',
      'a verifiable export: NDJSON in sequence order, and a signed manifest written to this file (needs --signing-key and --key-id)',
    )
    .option('--signing-key <file>', 'the Ed25519 private key (PKCS#8 PEM) that signs the manifest')
    .option('--key-id <id>', 'the id the manifest names the signing key by')
    .addHelpText(
      'after',
      `
The output is byte for byte what the library's exportEvents() streams. With --manifest it is
what verifiableExport() streams (NDJSON in sequence order), checked offline with
\`auditkit verify-export\`.

Example:
  $ auditkit export --url sqlite:./audit.db -o org_123 --from 2024-01-01 --to 2024-02-01 \\
      --action user.signed_in --format ndjson --output january.ndjson`,
    )
    .action(async (options: ExportOptions, command: Command) => {
      if (options.manifest !== undefined) {
        await verifiableExport(options, command);
        return;
      }
      if (options.signingKey !== undefined || options.keyId !== undefined) {
        throw new CliError('usage', '--signing-key and --key-id go with --manifest');
      }
      await withAuditLog(command, { create: false }, async (auditLog, globals) => {
        const filters: AuditLogExportFilters = {
          organizationId: options.organization,
          rangeStart: options.from ?? WHOLE_RANGE.rangeStart,
          rangeEnd: options.to ?? WHOLE_RANGE.rangeEnd,
          ...(options.action ? { actions: options.action } : {}),
          ...(options.actorId ? { actorIds: options.actorId } : {}),
          ...(options.actorName ? { actorNames: options.actorName } : {}),
          ...(options.target ? { targets: options.target } : {}),
        };
        const total = await expectedRows(auditLog, options);
        const progress = startProgress(process.stderr, {
          label: 'export',
          ...(total === undefined ? {} : { total }),
          intervalSeconds: globals.progressInterval,
          quiet: globals.quiet || globals.json,
        });
        let rows = 0;
        const chunks = auditLog.exportEvents(filters, {
          format: options.format,
          onProgress: (rowsDone) => {
            rows = rowsDone;
            progress.update(rowsDone);
          },
        });
        const started = Date.now();
        if (options.output === undefined) await pipeChunks(chunks, process.stdout);
        else await writeFileAtomically(options.output, chunks);
        const seconds = (Date.now() - started) / 1000;
        progress.finish(`exported ${rows} events in ${seconds.toFixed(1)} s`);
        if (globals.json) printJson({ rows, format: options.format, output: options.output ?? null });
      });
    });
}

function filtersOf(options: ExportOptions): AuditLogExportFilters {
  return {
    organizationId: options.organization,
    rangeStart: options.from ?? WHOLE_RANGE.rangeStart,
    rangeEnd: options.to ?? WHOLE_RANGE.rangeEnd,
    ...(options.action ? { actions: options.action } : {}),
    ...(options.actorId ? { actorIds: options.actorId } : {}),
    ...(options.actorName ? { actorNames: options.actorName } : {}),
    ...(options.target ? { targets: options.target } : {}),
  };
}

/** `export --manifest`: the NDJSON lines of verifiableExport(), then its signed manifest. */
async function verifiableExport(options: ExportOptions, command: Command): Promise<void> {
  const { manifest, signingKey, keyId } = options;
  if (manifest === undefined || signingKey === undefined || keyId === undefined) {
    throw new CliError('usage', '--manifest needs --signing-key <file> and --key-id <id>');
  }
  if (options.format !== 'ndjson' && command.getOptionValueSource('format') === 'cli') {
    throw new CliError('usage', 'a verifiable export (--manifest) is NDJSON: leave out --format csv');
  }
  let key: string;
  try {
    key = await readFile(signingKey, 'utf8');
  } catch (error) {
    throw new CliError(
      'failure',
      `cannot read --signing-key file ${signingKey}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  await withAuditLog(
    command,
    { create: false, integrity: { signingKey: key, keyId } },
    async (auditLog, globals) => {
      await expectedRows(auditLog, options);
      const exported = auditLog.verifiableExport(filtersOf(options));
      let rows = 0;
      async function* counted() {
        for await (const line of exported.lines) {
          rows += 1;
          yield line;
        }
      }
      if (options.output === undefined) await pipeChunks(counted(), process.stdout);
      else await writeFileAtomically(options.output, counted());
      const signed = await exported.manifest;
      await writeFileAtomically(manifest, [JSON.stringify(signed)]);
      if (!globals.quiet && !globals.json) {
        process.stderr.write(
          `exported ${rows} events (positions ${signed.firstPosition} to ${signed.lastPosition}); manifest ${manifest}\n`,
        );
      }
      if (globals.json) printJson({ rows, format: 'ndjson', output: options.output ?? null, manifest });
    },
  );
}

/**
 * How many events the export will hold, when the store's grouped counts can tell (no range or
 * actor/target filter); `undefined` otherwise. Fails for an organization without any event,
 * which is almost always a mistyped id.
 */
async function expectedRows(auditLog: AuditLog, options: ExportOptions): Promise<number | undefined> {
  const groups = await auditLog.summarizeEvents({ organizationId: options.organization });
  if (groups.length === 0) {
    throw new CliError(
      'failure',
      `unknown organization "${options.organization}": no events are stored for it`,
    );
  }
  if (options.from || options.to || options.actorId || options.actorName || options.target) return undefined;
  const actions = options.action ? new Set(options.action) : undefined;
  return groups
    .filter((group) => !actions || actions.has(group.action))
    .reduce((sum, group) => sum + group.count, 0);
}

async function pipeChunks(chunks: AsyncIterable<string> | Iterable<string>, out: Writable): Promise<void> {
  for await (const chunk of chunks) {
    if (!out.write(chunk)) await once(out, 'drain');
  }
}

/** Writes beside the target and renames at the end: a failed export never leaves half a file under its name. */
async function writeFileAtomically(
  path: string,
  chunks: AsyncIterable<string> | Iterable<string>,
): Promise<void> {
  const partial = `${path}.partial`;
  const file = createWriteStream(partial);
  try {
    await once(file, 'open');
    await pipeChunks(chunks, file);
    file.end();
    await once(file, 'finish');
    await rename(partial, path);
  } catch (error) {
    file.destroy();
    await rm(partial, { force: true });
    throw error;
  }
}
