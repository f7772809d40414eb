import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/**
 * Installs Debian's `chromium` package when it is missing (the tests run as root in CI's
 * container; elsewhere this fails saying how to install it), then launches it headless.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) installChromium();
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
    ],
  });
}

function installChromium(): void {
  const install = () =>
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  try {
    try {
      install();
    } catch {
      execFileSync('apt-get', ['update'], { stdio: 'inherit' });
      install();
    }
  } catch (error) {
    throw new Error(
      `Chromium is missing at ${CHROMIUM} and could not be installed (${String(error)}). ` +
        'Install it as root: apt-get update && apt-get install -y chromium',
    );
  }
  if (!existsSync(CHROMIUM)) throw new Error(`apt-get installed chromium, but ${CHROMIUM} does not exist`);
}

/** Builds the viewer's browser script (tsc, incremental), as `pnpm build` does. */
export function buildViewerScript(packageDir: string): void {
  execFileSync('npx', ['tsc', '-b', 'tsconfig.viewer-client.json'], { cwd: packageDir, stdio: 'inherit' });
}
