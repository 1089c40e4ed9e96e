// Drives the `ws` library's own frame parser (its Receiver, a Writable) synchronously, as
// the reference every decoder benchmark compares against, and reports which optional native
// accelerators ws picked up. Layer rule: bench/ — tooling; ws is a devDependency only.
import { createRequire } from 'node:module';
import { isUtf8 } from 'node:buffer';
import { Receiver } from 'ws';

const requireFromWs = createRequire(createRequire(import.meta.url).resolve('ws'));

function resolvable(name) {
  try {
    requireFromWs.resolve(name);
    return true;
  } catch {
    return false;
  }
}

/** ws version and the code paths its Receiver uses on this machine (mirrors ws/lib/buffer-util.js and validation.js). */
export function wsInfo() {
  const version = requireFromWs('./package.json').version;
  const bufferutil = !process.env.WS_NO_BUFFER_UTIL && resolvable('bufferutil');
  const utf8Validate = !process.env.WS_NO_UTF_8_VALIDATE && resolvable('utf-8-validate');
  const unmask = bufferutil
    ? 'bufferutil (native) for payloads ≥32 B'
    : 'JavaScript byte loop (bufferutil not installed)';
  // ws prefers node's own isUtf8 when it exists and never loads utf-8-validate then
  const utf8 =
    typeof isUtf8 === 'function'
      ? 'node:buffer isUtf8 for ≥24 B, JavaScript below'
      : utf8Validate
        ? 'utf-8-validate (native) for ≥32 B'
        : 'JavaScript';
  return { version, bufferutil, utf8Validate, unmask, utf8 };
}

/**
 * Feeds chunks (Buffers) to a server-side Receiver through its _write, so no stream
 * buffering or nextTick sits between the chunks: the same synchronous work as our decoder.
 * NOTE: ws unmasks payloads in place inside the chunks — pass a fresh copy every run.
 * `on` receives message(data, isBinary), ping(data), pong(data). Throws on any ws error.
 */
export function decodeWithWs(chunks, on) {
  const receiver = new Receiver({ isServer: true, maxPayload: 0, binaryType: 'nodebuffer' });
  let failure = null;
  receiver.on('message', on.message);
  receiver.on('ping', on.ping);
  receiver.on('pong', on.pong);
  receiver.on('error', (err) => {
    failure ??= err;
  });
  receiver.on('conclude', () => {
    failure ??= new Error('ws saw a Close frame; the benchmark input has none');
  });
  const done = (err) => {
    if (err) failure ??= err;
  };
  for (let i = 0; i < chunks.length; i++) {
    receiver._write(chunks[i], 'buffer', done);
    if (failure !== null) break;
  }
  if (failure !== null)
    throw new Error(`ws Receiver rejected the benchmark input: ${failure.message} (${failure.code ?? 'no code'})`);
}
