// Where saved capture indexes live (src/index/index-file.ts), and from what size a capture is
// worth an index. WSINSPECT_CACHE_DIR names the directory; otherwise the XDG cache directory
// ($XDG_CACHE_HOME, else ~/.cache), as other command-line tools keep their caches.
// Layer rule: cli/ — reads the environment.
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Captures from this size on are read through the compact index (src/index/), not decoded whole. */
export const INDEX_FROM = 64 * 1024 * 1024;

/** The directory of saved indexes. */
export function indexCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const own = env.WSINSPECT_CACHE_DIR;
  if (own !== undefined && own !== '') return join(own, 'index');
  const xdg = env.XDG_CACHE_HOME;
  const base = xdg !== undefined && xdg.startsWith('/') ? xdg : join(homedir(), '.cache');
  return join(base, 'wsinspect', 'index');
}
