// Views in the live proxy: a real `ws` server speaking JSON-RPC behind `wsinspect proxy`, a
// real `ws` client through it; the listing names the view, each call and the paired response,
// and --view raw leaves the lines plain.
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { interrupt, startProxyCli, stdoutShows } from '../cli/proxy-cli.js';

async function rpcServer(): Promise<WebSocketServer> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  wss.on('connection', (ws) =>
    ws.on('message', (data) => {
      const req = JSON.parse(data.toString()) as { id: number; params: number[] };
      ws.send(JSON.stringify({ jsonrpc: '2.0', id: req.id, result: req.params[0] + req.params[1] }));
    }),
  );
  await new Promise<void>((resolve) => wss.on('listening', resolve));
  return wss;
}

async function call(port: number): Promise<string> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/rpc`);
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const answer = new Promise<string>((resolve) => ws.once('message', (d) => resolve(d.toString())));
  ws.send('{"jsonrpc":"2.0","method":"add","params":[2,3],"id":1}');
  const text = await answer;
  ws.close();
  await new Promise((resolve) => ws.once('close', resolve));
  return text;
}

describe('application views in wsinspect proxy', () => {
  it('decodes and pairs JSON-RPC on live traffic', async () => {
    const wss = await rpcServer();
    const proxy = await startProxyCli(['--target', `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`]);
    try {
      expect(await call(proxy.port)).toBe('{"jsonrpc":"2.0","id":1,"result":5}');
      await stdoutShows(proxy, (s) => s.includes('↳ json-rpc response id=1 5 (add, '), 'the paired response');
      expect(proxy.stdout()).toContain('app.view.selected  view json-rpc (message has "jsonrpc":"2.0")');
      expect(proxy.stdout()).toContain('↳ json-rpc request add id=1 [2,3]');
    } finally {
      await interrupt(proxy);
      wss.close();
    }
  });

  it('--view raw: no view lines', async () => {
    const wss = await rpcServer();
    const proxy = await startProxyCli([
      '--target',
      `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`,
      '--view',
      'raw',
    ]);
    try {
      await call(proxy.port);
      await stdoutShows(proxy, (s) => s.includes('"{"jsonrpc":"2.0","id":1,"result":5}"'), 'the response frame');
      expect(proxy.stdout()).not.toContain('↳');
    } finally {
      await interrupt(proxy);
      wss.close();
    }
  });
});
