import { mkdtempSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { filesystemExportStorage } from '@auditkit/core';
import { runExportStorageConformance } from '@auditkit/core/testing';

let directory = '';

runExportStorageConformance({
  name: 'filesystem',
  makeStorage: () => {
    directory = mkdtempSync(join(tmpdir(), 'auditkit-fs-storage-'));
    return filesystemExportStorage({ directory });
  },
  listLeftovers: async () => (await readdir(directory)).sort(),
  // A directory path that runs through a file: every operation fails with ENOTDIR, not "missing".
  makeBrokenStorage: () => filesystemExportStorage({ directory: join(process.execPath, 'exports') }),
});
