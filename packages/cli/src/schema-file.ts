import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import type { CreateAuditLogSchemaInput } from '@auditkit/core';
import { parse as parseYaml } from 'yaml';
import { CliError } from './cli-error.js';

/**
 * Reads the schemas a deploy step declares: a JSON or YAML file holding a list of schemas, or
 * an object `{ schemas: [...] }`. Each entry is checked by core when it is applied; here only
 * the file's syntax and shape.
 *
 * @example
 * ```ts
 * const schemas = await readSchemaFile('audit-schemas.yaml');
 * ```
 */
export async function readSchemaFile(path: string): Promise<CreateAuditLogSchemaInput[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : String(code);
    throw new CliError('failure', `cannot read the schema file ${path}: ${reason}`, { cause: error });
  }
  const json = extname(path).toLowerCase() === '.json';
  let document: unknown;
  try {
    // YAML is a superset of JSON, but a .json file deserves JSON's stricter parser and messages.
    document = json ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new CliError('failure', `${path} is not valid ${json ? 'JSON' : 'YAML'}: ${reason}`, {
      cause: error,
    });
  }
  const list =
    document !== null && typeof document === 'object' && !Array.isArray(document) && 'schemas' in document
      ? (document as { schemas: unknown }).schemas
      : document;
  if (!Array.isArray(list) || list.length === 0) {
    throw new CliError(
      'failure',
      `${path} must hold a non-empty list of schemas, or { "schemas": [...] } (each with an "action" and "targets")`,
    );
  }
  list.forEach((entry, index) => {
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
      throw new CliError('failure', `${path}: schema ${index + 1} is not an object`);
    }
  });
  return list as CreateAuditLogSchemaInput[];
}
