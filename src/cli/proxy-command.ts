// `wsinspect proxy`: the live man-in-the-middle. Reverse mode (--target) or forward HTTP proxy
// mode; every connection's bytes are relayed verbatim and a copy is decoded and printed with
// the same printer as captures; --write records what passed as pcapng. Owns process I/O:
// the listening line and problems on stderr, SIGINT/SIGTERM for a clean stop. The relay
// itself (proxy-run.ts: sockets, TLS) loads only when the command runs, so other commands
// start without it (its flag type is imported as a type only, erased at run time).
import type { Argv } from 'yargs';
import { DEFAULT_LISTEN, hostPort } from '../sources/proxy/proxy-address.js';
import { outputOptions } from './output-options.js';
import { filterOptions, viewOptions } from './stream-options.js';
import type { ProxyFlags } from './proxy-run.js';
import { HAR_OPTION } from './har-option.js';

export function proxyCommand(yargs: Argv): Argv {
  return yargs.command<ProxyFlags>(
    'proxy',
    'relay live WebSocket traffic (ws and wss) and show it as it happens: reverse proxy with --target, else a forward HTTP proxy',
    (y) =>
      filterOptions(viewOptions(outputOptions(y)))
        .option('listen', {
          alias: 'l',
          type: 'string',
          describe: `HOST:PORT to accept clients on (default ${hostPort(DEFAULT_LISTEN.host, DEFAULT_LISTEN.port)}; other interfaces only when named)`,
        })
        .option('target', {
          alias: 't',
          type: 'string',
          describe:
            'ws://HOST:PORT or wss://HOST:PORT: reverse proxy to this server (without it: forward HTTP proxy, CONNECT and absolute URIs)',
        })
        .option('tls', {
          type: 'boolean',
          describe:
            'reverse mode: clients connect with TLS (wss://); the certificate is made for the name they ask for and signed by the local CA',
        })
        .option('intercept', {
          type: 'boolean',
          default: true,
          describe:
            'forward mode: decrypt CONNECT tunnels that carry TLS with the local CA (--no-intercept: relay them blind)',
        })
        .option('ignore-hosts', {
          type: 'string',
          array: true,
          requiresArg: true,
          describe:
            'forward mode: relay CONNECT and http:// targets whose "host:port" this regular expression finds (any case) blind, and show nothing of them (repeatable; as mitmproxy\'s ignore_hosts)',
        })
        .option('insecure', {
          alias: 'k',
          type: 'boolean',
          describe: "do not verify the upstream server's TLS certificate",
        })
        .option('write', {
          alias: 'w',
          type: 'string',
          describe:
            'record everything that passed as FILE.pcapng (TLS connections decrypted), for Wireshark, tshark or wsinspect FILE',
        })
        .option('rule', {
          type: 'string',
          array: true,
          describe:
            '\'FILTER => ACTION\': change traffic (repeatable, applied in order): drop, delay 250ms, replace /RE/ "TEXT", set json.PATH = JSON, del json.PATH, close CODE "reason", fragment N, hold, inject c2s|s2c "TEXT"',
        })
        .option('script', {
          type: 'string',
          describe:
            'FILE.mjs: an ES module whose default export has hooks onConnect, onMessage, onControl, onClose (reloaded when the file changes; see README)',
        })
        .option('hold-timeout', {
          type: 'string',
          describe:
            'a message held by a rule is released after this long, with a note (default 30s; with --ui: no limit unless given)',
        })
        .option('ui', {
          type: 'boolean',
          describe:
            'the interactive terminal UI, with the debugger: intercept (hold), forward, edit in $EDITOR, drop, duplicate, inject, resend (see README)',
        })
        .option('har', {
          ...HAR_OPTION,
          describe:
            'also write every WebSocket connection to FILE as a HAR (Chrome DevTools format), written whole when the proxy stops (Ctrl-C)',
        })
        .option('keylog-out', {
          type: 'string',
          requiresArg: true,
          describe:
            "append the TLS secrets of both legs to FILE (NSS key log: wsinspect --keylog, Wireshark), to decrypt a capture of the proxy's sockets",
        })
        .option('ca-dir', {
          type: 'string',
          describe:
            'directory of the local CA (default: $WSINSPECT_CA_DIR or the user\'s config directory, see "wsinspect ca")',
        })
        .example('$0 proxy --target ws://127.0.0.1:9000', 'clients connect to ws://127.0.0.1:8080 instead of :9000')
        .example(
          '$0 proxy --target wss://echo.example.org --write session.pcapng',
          'TLS upstream; the decrypted stream recorded for Wireshark',
        )
        .example(
          'HTTPS_PROXY=http://127.0.0.1:8080 NODE_EXTRA_CA_CERTS="$($0 ca --path)" node client.js',
          'forward mode: wss intercepted with the local CA (ws needs an agent for HTTPS_PROXY: see the README)',
        )
        .example(
          '$0 proxy --target ws://127.0.0.1:9000 --ui',
          'the interactive UI: i sets an intercept filter, e edits a held message',
        )
        .example(
          "$0 proxy --ignore-hosts 'google|gstatic'",
          "forward mode: a browser's background traffic relayed unseen",
        ),
    async (flags) => (await import('./proxy-run.js')).runProxy(flags),
  );
}
