// The -Y/--filter option as data, apart from the filter language itself, so a command's option
// table can name it without loading the compiler at start-up (hex compiles only when -Y is given).
// Layer rule: cli/ — flags.

export const FILTER_OPTION = {
  alias: 'Y',
  type: 'string',
  requiresArg: true,
  describe:
    "only frames and messages matching this display filter, e.g. 'opcode == text && len > 100' or Wireshark's 'websocket.opcode == 1 && tcp.port == 8080' (combines with the other filters by AND)",
} as const;
