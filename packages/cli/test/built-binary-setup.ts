// Vitest global setup: the CLI tests run dist/bin.js as operators would, so it must be built.
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const BIN_PATH = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

export default function setup(): void {
  if (!existsSync(BIN_PATH) || !statSync(BIN_PATH).isFile()) {
    throw new Error(
      `The CLI tests run the built binary, and ${BIN_PATH} is missing: run \`pnpm build\` first ` +
        '(`pnpm test` builds before it tests).',
    );
  }
}
