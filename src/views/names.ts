// The names --view takes, alone (the CLI reads them without loading any view).
// Layer rule: views/ — plain data.
export const VIEW_NAMES = [
  'json',
  'socket.io',
  'graphql-transport-ws',
  'graphql-ws',
  'json-rpc',
  'mqtt',
  'msgpack',
  'cbor',
  'stomp',
  'signalr',
  'phoenix',
  'actioncable',
  'wamp',
  'protobuf',
] as const;
export type ViewName = (typeof VIEW_NAMES)[number];
/** What --view takes: a view, `auto` (chosen per connection) or `raw` (none). */
export type ViewChoice = ViewName | 'auto' | 'raw';
export const VIEW_CHOICES: readonly ViewChoice[] = ['auto', 'raw', ...VIEW_NAMES];
