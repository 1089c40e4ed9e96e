// A progress bar on stderr for long captures, only when stderr is a terminal (never in
// pipes, logs or tests). Redrawn at most every 100 ms.

export interface Progress {
  update: (bytesRead: number, totalBytes: number | null) => void;
  done: () => void;
}

export function createProgress(stream: NodeJS.WriteStream): Progress {
  if (stream.isTTY !== true) return { update: () => {}, done: () => {} };
  const started = Date.now();
  let last = 0;
  let shown = false;
  return {
    update(read, total) {
      const now = Date.now();
      if (now - last < 100 || now - started < 500) return;
      last = now;
      shown = true;
      const mb = (read / 1e6).toFixed(1);
      const rate = (read / 1e6 / Math.max(0.001, (now - started) / 1000)).toFixed(0);
      if (total === null || total === 0) {
        stream.write(`\r\x1b[K${mb} MB read, ${rate} MB/s`);
        return;
      }
      const fraction = Math.min(1, read / total);
      const width = 30;
      const filled = Math.round(fraction * width);
      stream.write(
        `\r\x1b[K[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(fraction * 100).toFixed(0)}%  ${mb}/${(total / 1e6).toFixed(1)} MB  ${rate} MB/s`,
      );
    },
    done() {
      if (shown) stream.write('\r\x1b[K');
    },
  };
}
