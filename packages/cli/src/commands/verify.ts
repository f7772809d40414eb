import { readFile } from 'node:fs/promises';
import { verifyExport } from '@auditkit/core';
import type { Command } from 'commander';
import { CliError } from '../cli-error.js';
import { globalOptions, parsePositiveInteger, printJson, withAuditLog } from '../command-context.js';

interface VerifyCommandOptions {
  organization: string;
  publicKey: string[];
  checkpoints?: string;
  since?: number;
}

interface VerifyExportOptions {
  manifest: string;
  publicKey: string[];
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** `--public-key keyId=file.pem` (or a bare file for `defaultKeyId`) read into a key map. */
async function readPublicKeys(
  values: readonly string[],
  defaultKeyId?: string,
): Promise<Record<string, string>> {
  const keys: Record<string, string> = {};
  for (const value of values) {
    const separator = value.indexOf('=');
    const keyId = separator > 0 ? value.slice(0, separator) : defaultKeyId;
    const file = separator > 0 ? value.slice(separator + 1) : value;
    if (keyId === undefined) {
      throw new CliError('usage', `--public-key "${value}" must be <keyId>=<file.pem>`);
    }
    keys[keyId] = await readText(file, '--public-key');
  }
  return keys;
}

async function readText(file: string, option: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new CliError('failure', `cannot read ${option} file ${file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** Published checkpoints: NDJSON (one per line, what a `publish` callback appends) or a JSON array. */
function parseCheckpointFile(text: string, file: string): unknown[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  try {
    if (trimmed.startsWith('[')) return JSON.parse(trimmed) as unknown[];
    return trimmed.split('\n').map((line) => JSON.parse(line) as unknown);
  } catch (error) {
    throw new CliError(
      'failure',
      `--checkpoints file ${file} is neither NDJSON nor a JSON array of checkpoints`,
      {
        cause: error,
      },
    );
  }
}

/** `auditkit verify` and `auditkit verify-export`: tamper evidence, from the database or offline. */
export function registerVerify(program: Command): void {
  program
    .command('verify')
    .description(
      "check an organization's events against their hash chain, its head and every signed checkpoint (exit 3 when tampering is found)",
    )
    .requiredOption('-o, --organization <id>', 'the organization to verify')
    .option(
      '--public-key <keyId=file>',
      'an Ed25519 public key (SPKI PEM) checkpoints may name, repeatable',
      collect,
      [],
    )
    .option('--checkpoints <file>', 'checkpoints published outside the database (NDJSON or a JSON array)')
    .option(
      '--since <position>',
      'start at the last valid checkpoint at or before this position',
      parsePositiveInteger('--since', 0),
    )
    .addHelpText(
      'after',
      `
Reads the organization's events once, in position order, with flat memory. Pass the checkpoints
your application published (integrity.publish) with --checkpoints: only a copy kept outside the
database reveals deleted newest events or history rewritten with recomputed hashes.

Example:
  $ auditkit verify --url "$AUDITKIT_DATABASE_URL" -o org_123 --public-key k2026=auditkit-k2026.pub.pem --checkpoints checkpoints.ndjson`,
    )
    .action(async (options: VerifyCommandOptions, command: Command) => {
      const publicKeys = await readPublicKeys(options.publicKey);
      const checkpoints =
        options.checkpoints === undefined
          ? []
          : parseCheckpointFile(await readText(options.checkpoints, '--checkpoints'), options.checkpoints);
      await withAuditLog(command, { create: false, integrity: { publicKeys } }, async (auditLog, globals) => {
        const result = await auditLog.verify({
          organizationId: options.organization,
          checkpoints,
          ...(options.since === undefined ? {} : { since: options.since }),
        });
        if (globals.json) printJson(result);
        else if (!globals.quiet && result.ok) {
          process.stdout.write(
            `ok: ${result.checked} events checked (positions ${result.startedAfter + 1} to ${result.lastPosition}), ${result.checkpoints} checkpoints\n`,
          );
        }
        if (!result.ok && result.problem) {
          throw new CliError(
            'verification',
            `verification failed: ${result.problem.kind} at position ${result.problem.position}: ${result.problem.message}`,
          );
        }
      });
    });

  program
    .command('verify-export')
    .description(
      'check a verifiable export file offline against its signed manifest and public key (exit 3 when it does not verify)',
    )
    .argument('<file>', 'the NDJSON export file')
    .requiredOption('--manifest <file>', 'the signed manifest written with the export')
    .option(
      '--public-key <[keyId=]file>',
      "Ed25519 public key (SPKI PEM); without keyId= it is taken as the manifest's key",
      collect,
      [],
    )
    .addHelpText(
      'after',
      `
Needs no database: the file, its manifest and the public key are enough.

Example:
  $ auditkit verify-export events.ndjson --manifest events.manifest.json --public-key auditkit-k2026.pub.pem`,
    )
    .action(async (file: string, options: VerifyExportOptions, command: Command) => {
      const globals = globalOptions(command);
      const manifestText = await readText(options.manifest, '--manifest');
      let manifestKeyId: string | undefined;
      try {
        manifestKeyId = (JSON.parse(manifestText) as { keyId?: string }).keyId;
      } catch {
        manifestKeyId = undefined;
      }
      if (options.publicKey.length === 0) throw new CliError('usage', 'pass --public-key <[keyId=]file.pem>');
      const publicKeys = await readPublicKeys(options.publicKey, manifestKeyId);
      let bytes: Buffer;
      try {
        bytes = await readFile(file);
      } catch (error) {
        throw new CliError('failure', `cannot read ${file}: ${(error as Error).message}`, { cause: error });
      }
      const result = verifyExport({ file: bytes, manifest: manifestText, publicKeys });
      if (globals.json) printJson(result);
      else if (!globals.quiet && result.ok) process.stdout.write(`ok: ${result.checked} events verified\n`);
      if (!result.ok && result.problem) {
        const where = [
          result.problem.position === undefined ? '' : ` at position ${result.problem.position}`,
          result.problem.line === undefined ? '' : ` (line ${result.problem.line})`,
        ].join('');
        throw new CliError(
          'verification',
          `verification failed: ${result.problem.kind}${where}: ${result.problem.message}`,
        );
      }
    });
}
