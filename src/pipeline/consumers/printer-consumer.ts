// The text or JSON printer as a consumer: a display filter picks the events printed; the
// others are only observed (a later line still needs a connection's addresses). Asks the
// pipeline to keep one payload byte more than it shows, so "truncated" is still known.
// Layer rule: pipeline/ — a consumer.
import type { InspectEvent } from '../../session/events.js';
import type { EventConsumer } from '../consumer.js';
import type { EventPrinter } from './event-printer.js';

export class PrinterConsumer implements EventConsumer {
  readonly keepPayload: number;

  /** `show`: the display filter (null: everything). `maxPayload`: most payload bytes the printer shows. */
  constructor(
    private readonly printer: EventPrinter,
    private readonly show: ((event: InspectEvent) => boolean) | null,
    maxPayload: number,
  ) {
    this.keepPayload = maxPayload + 1;
  }

  event(ev: InspectEvent): void {
    if (this.show === null || this.show(ev)) this.printer.print(ev);
    else this.printer.skip(ev);
  }

  timeOrigin(time: number): void {
    this.printer.setTimeOrigin(time);
  }

  ready(): Promise<void> {
    return this.printer.ready();
  }

  close(): Promise<void> {
    return this.printer.close();
  }
}
