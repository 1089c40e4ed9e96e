// What a capture held besides WebSocket, for the hints of an empty result (`wsinspect FILE`
// that found nothing): how many TCP connections, packets per server port (the busiest is
// the one to try with --decode-as), the TLS connections (client → server).
// Layer rule: capture/ — pure.

/** At most this many TLS connections are named (the rest are counted). */
export const MAX_TLS_NAMED = 5;

export interface CaptureSummary {
  /** Packet records read (every record, as Wireshark numbers them). */
  readonly packets: number;
  readonly tcpConnections: number;
  /** The server port with the most packets among the connections that were not TLS; null if none. */
  readonly busiestServerPort: number | null;
  /** TLS connections, the first MAX_TLS_NAMED of them. */
  readonly tls: readonly { readonly client: string; readonly server: string }[];
  readonly tlsCount: number;
}

export class CaptureTally {
  tcpConnections = 0;
  private readonly portPackets = new Map<number, number>();
  private readonly tls: { client: string; server: string }[] = [];
  private tlsCount = 0;

  /** One TCP connection over: its packets count for its server port (not when it was TLS). */
  connectionDone(serverPort: number, packets: number, tls: boolean): void {
    if (tls || packets === 0) return;
    this.portPackets.set(serverPort, (this.portPackets.get(serverPort) ?? 0) + packets);
  }

  tlsSeen(client: string, server: string): void {
    this.tlsCount += 1;
    if (this.tls.length < MAX_TLS_NAMED) this.tls.push({ client, server });
  }

  summary(packets: number): CaptureSummary {
    let busiest: number | null = null;
    let most = 0;
    for (const [port, n] of this.portPackets) {
      if (n > most || (n === most && busiest !== null && port < busiest)) {
        busiest = port;
        most = n;
      }
    }
    return {
      packets,
      tcpConnections: this.tcpConnections,
      busiestServerPort: busiest,
      tls: [...this.tls],
      tlsCount: this.tlsCount,
    };
  }
}
