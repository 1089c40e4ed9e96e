// Correctness passes of the capture benchmark (untimed): wsinspect's --json must report, per
// connection and direction, exactly the frames, messages, message bytes (SHA-256 after
// inflation) and ping/pong payloads the generator wrote, with no warning or error; its default
// output must print one line per frame; tshark must find every frame too. Layer rule: bench/.
import { createHash } from 'node:crypto';
import { runLines } from './child-run.js';

const FRAME_LINE = /^ *\d+\.\d{6} \[\d+\] \S+ [→←] \S+ #\d+ /;

function tally() {
  return { frames: 0, messages: 0, dataHash: createHash('sha256'), controlHash: createHash('sha256') };
}

/** Runs `wsinspect FILE --json` (no payload truncation) and throws unless it matches the generator's summary. */
export async function verifyOurJson(wsinspect, summary) {
  const byConn = new Map();
  const byPort = new Map(summary.connections.map((c) => [c.clientPort, c]));
  const problems = [];
  const ends = [];
  await runLines(process.execPath, [wsinspect, summary.path, '--json', '--max-payload', String(8 << 20)], (line) => {
    if (line === '') return;
    const e = JSON.parse(line);
    if (e.type === 'connection')
      byConn.set(e.conn, { port: Number(e.client.slice(e.client.lastIndexOf(':') + 1)), c2s: tally(), s2c: tally() });
    else if (e.type === 'frame') {
      const t = byConn.get(e.conn)[e.dir];
      t.frames += 1;
      if (e.opcode === 9 || e.opcode === 10) t.controlHash.update(Buffer.from(e.payload, 'hex'));
      if (e.diagnostics.length > 0 && problems.length < 5)
        problems.push(`frame ${e.conn}/${e.index}: ${e.diagnostics[0].code}`);
    } else if (e.type === 'message') {
      const t = byConn.get(e.conn)[e.dir];
      t.messages += 1;
      t.dataHash.update(e.text !== undefined ? Buffer.from(e.text, 'utf8') : Buffer.from(e.data, 'hex'));
      if (e.diagnostics.length > 0 && problems.length < 5)
        problems.push(`message ${e.conn}/${e.lastFrame}: ${e.diagnostics[0].code}`);
    } else if (e.type === 'diagnostic' && e.severity !== 'note' && problems.length < 5)
      problems.push(`${e.code}: ${e.message}`);
    else if (e.type === 'end') ends.push(e.reason);
  });
  const where = `wsinspect --json on ${summary.path}`;
  if (problems.length > 0) throw new Error(`${where}: diagnostics on generated traffic: ${problems.join('; ')}`);
  if (byConn.size !== summary.connections.length)
    throw new Error(`${where}: ${byConn.size} connections, generated ${summary.connections.length}`);
  if (ends.some((r) => r !== 'close-handshake')) throw new Error(`${where}: connections ended by ${ends.join(', ')}`);
  let frames = 0;
  for (const got of byConn.values()) {
    const want = byPort.get(got.port);
    if (want === undefined) throw new Error(`${where}: a connection from port ${got.port} was never generated`);
    for (const dir of ['c2s', 's2c']) {
      const [g, w] = [got[dir], want[dir]];
      const at = `${where}: port ${got.port} ${dir}`;
      if (g.frames !== w.frames || g.messages !== w.messages)
        throw new Error(`${at}: ${g.frames} frames / ${g.messages} messages, generated ${w.frames} / ${w.messages}`);
      if (g.dataHash.digest('hex') !== w.dataHash)
        throw new Error(`${at}: message data differ from what was generated`);
      if (g.controlHash.digest('hex') !== w.controlHash)
        throw new Error(`${at}: ping/pong payloads differ from what was generated`);
      frames += g.frames;
    }
  }
  return frames;
}

/** Runs `wsinspect FILE` (default output) and returns how many frame lines it printed. */
export async function countOurFrameLines(wsinspect, path) {
  let frames = 0;
  await runLines(process.execPath, [wsinspect, path], (line) => {
    if (FRAME_LINE.test(line)) frames += 1;
  });
  return frames;
}

/** tshark's frame count (websocket.opcode values) and how many frames it flagged "Decompression failed". */
export async function countTsharkFrames(path) {
  let frames = 0;
  let inflateFailed = 0;
  const args = [
    '-n',
    '-r',
    path,
    '-Y',
    'websocket',
    '-T',
    'fields',
    '-e',
    'websocket.opcode',
    '-e',
    '_ws.expert.message',
    '-E',
    'occurrence=a',
  ];
  await runLines('tshark', args, (line) => {
    const [opcodes = '', expert = ''] = line.split('\t');
    if (opcodes !== '') frames += opcodes.split(',').length;
    if (expert.includes('Decompression failed')) inflateFailed += expert.split('Decompression failed').length - 1;
  });
  return { frames, inflateFailed };
}
