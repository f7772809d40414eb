import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { HttpError } from './http-errors.js';

const CHUNK_BYTES = 64 * 1024;

/**
 * A response streaming a file from disk chunk by chunk, so a large export never sits in memory.
 * A file that has gone (an export directory cleaned up) is 410 Gone.
 */
export async function fileResponse(
  path: string,
  headers: { contentType: string; filename: string },
): Promise<Response> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if (isMissing(error)) throw new HttpError(410, 'export_file_gone', 'The export file no longer exists');
    throw error;
  }
  const { size } = await handle.stat();
  return new Response(streamOf(handle, size), {
    status: 200,
    headers: {
      'content-type': headers.contentType,
      'content-length': String(size),
      'content-disposition': `attachment; filename="${headers.filename.replace(/[^\w.-]/g, '_')}"`,
      'cache-control': 'no-store',
    },
  });
}

function streamOf(handle: FileHandle, size: number): ReadableStream<Uint8Array> {
  let offset = 0;
  const finish = async (controller: ReadableStreamDefaultController<Uint8Array>) => {
    await handle.close();
    controller.close();
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const buffer = new Uint8Array(Math.min(CHUNK_BYTES, Math.max(1, size - offset)));
        const { bytesRead } = await handle.read(buffer, 0, buffer.byteLength, offset);
        offset += bytesRead;
        if (bytesRead > 0) controller.enqueue(buffer.subarray(0, bytesRead));
        // Ending at the size announced in Content-Length, not one empty read later, lets the
        // response finish as soon as its last byte is written.
        if (bytesRead === 0 || offset >= size) await finish(controller);
      } catch (error) {
        await handle.close().catch(() => undefined);
        controller.error(error);
      }
    },
    async cancel() {
      await handle.close();
    },
  });
}

function isMissing(error: unknown): boolean {
  return error instanceof Error && 'code' in error && error.code === 'ENOENT';
}
