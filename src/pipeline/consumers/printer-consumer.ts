// The text or JSON printer as a consumer: a display filter picks the events printed; the
// others are only observed (a later line still needs a connection's addresses). Asks the
// pipeline to keep one payload byte more than it shows, so "truncated" is still known.
// Layer rule: pipeline/ — a consumer.
import type { DisplayFilter } from '../../filter/display-filter.js';
import type { InspectEvent } from '../../session/events.js';
import type { EventConsumer } from '../consumer.js';
import type { EventPrinter } from './event-printer.js';

export class PrinterConsumer implements EventConsumer {
  readonly keepPayload: number;
  /** What was seen and shown, for the hints of an empty result (listing-notes.ts). */
  readonly counts = { connections: 0, frames: 0, messages: 0, shown: 0 };

  private readonly show: ((event: InspectEvent) => boolean) | null;
  /** The time origin is set (the capture's first packet, or the first event with a time). */
  private timed = false;

  /**
   * `filter`: the display filter (null: everything). `maxPayload`: most payload bytes the
   * printer shows; more are kept when the filter reads them (-Y 'data[…]', data contains).
   */
  constructor(
    private readonly printer: EventPrinter,
    private readonly filter: DisplayFilter | null,
    maxPayload: number,
  ) {
    this.show = filter === null || filter.showsAll ? null : filter.show;
    this.keepPayload = Math.max(maxPayload + 1, filter?.expression?.dataBytes ?? 0);
  }

  event(ev: InspectEvent): void {
    // a source without packets (HAR) gives no time origin: times count from its first event,
    // whatever the filters show (else a filtered listing would restart at 0 at its first line)
    if (!this.timed && ev.time !== null) this.timeOrigin(ev.time);
    if (ev.type === 'frame') this.counts.frames += 1;
    else if (ev.type === 'message') this.counts.messages += 1;
    else if (ev.type === 'connection') this.counts.connections += 1;
    if (this.show === null || this.show(ev)) {
      this.counts.shown += 1;
      this.printer.print(ev);
    } else this.printer.skip(ev);
  }

  timeOrigin(time: number): void {
    this.timed = true;
    this.printer.setTimeOrigin(time);
    this.filter?.setTimeOrigin(time);
  }

  ready(): Promise<void> {
    return this.printer.ready();
  }

  close(): Promise<void> {
    return this.printer.close();
  }
}
