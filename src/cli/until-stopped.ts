// The long-running commands (proxy, serve) run until the first SIGINT or SIGTERM, then stop
// cleanly; a second Ctrl-C exits at once (130). Layer rule: cli/ — process I/O.

/** Resolves at the first SIGINT or SIGTERM. */
export function untilStopped(): Promise<void> {
  return new Promise((resolve) => {
    const stop = (): void => {
      process.removeListener('SIGINT', stop);
      process.removeListener('SIGTERM', stop);
      process.once('SIGINT', () => process.exit(130));
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
