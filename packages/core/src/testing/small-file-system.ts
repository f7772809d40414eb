import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A directory on a file system of its own, `bytes` large, that a test can fill up. */
export interface SmallFileSystem {
  directory: string;
  /** Unmounts it and removes the mount point. */
  release(): void;
}

/**
 * Mounts a tmpfs of `bytes` (mode 0700, owned by this user) on a new directory, so that writes
 * beyond its size fail with a real `ENOSPC` from the kernel. Mounting needs root (CI runs the
 * tests as root); anywhere else this throws, saying so, rather than skipping the test.
 *
 * @example
 * ```ts
 * const disk = mountSmallFileSystem(64 * 1024);
 * try { await writeFile(join(disk.directory, 'big'), Buffer.alloc(1e6)); } catch (e) { e.code; } // 'ENOSPC'
 * finally { disk.release(); }
 * ```
 */
export function mountSmallFileSystem(bytes: number): SmallFileSystem {
  const directory = mkdtempSync(join(tmpdir(), 'auditkit-small-fs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes},mode=0700`, 'tmpfs', directory], {
      stdio: 'pipe',
    });
  } catch (error) {
    rmSync(directory, { recursive: true, force: true });
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `The full-disk export test mounts a ${bytes}-byte tmpfs to fill, which needs root: run the tests as root (CI does), e.g. \`sudo pnpm test\`. mount failed: ${reason}`,
    );
  }
  return {
    directory,
    release() {
      execFileSync('umount', [directory], { stdio: 'pipe' });
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
