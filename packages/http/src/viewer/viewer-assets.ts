import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

// The browser script is compiled by tsc at package build time (tsconfig.viewer-client.json)
// into dist/viewer/client/. Running from dist it sits beside this module; running from
// sources (tests with the `@auditkit/source` condition) it is found in the package's dist.
const CANDIDATES = [
  new URL('./client/viewer.js', import.meta.url),
  new URL('../../dist/viewer/client/viewer.js', import.meta.url),
];

let script: Promise<string> | undefined;

/** The compiled viewer script, read once. */
export function viewerScript(): Promise<string> {
  script ??= readFirst().catch((error: unknown) => {
    script = undefined;
    throw error;
  });
  return script;
}

async function readFirst(): Promise<string> {
  for (const candidate of CANDIDATES) {
    try {
      return await readFile(fileURLToPath(candidate), 'utf8');
    } catch (error) {
      if (!(error instanceof Error && 'code' in error && error.code === 'ENOENT')) throw error;
    }
  }
  throw new Error(
    '@auditkit/http: the viewer script dist/viewer/client/viewer.js is missing; build the package (pnpm build)',
  );
}
