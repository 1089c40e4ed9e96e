// Rules and a script together: the rules decide first; a message they neither drop nor close
// on goes to the script as the rules left it. Delays add up, injections of both follow the
// message, the script's change wins over the rules'. Layer rule: engine/ — pure.
import type {
  ControlVerdict,
  Decider,
  EngineConnection,
  EngineControl,
  EngineMessage,
  MessageVerdict,
} from './verdict.js';

export class ChainDecider implements Decider {
  constructor(
    private readonly first: Decider,
    private readonly second: Decider,
  ) {}

  open(conn: EngineConnection): void {
    this.first.open?.(conn);
    this.second.open?.(conn);
  }

  closed(conn: EngineConnection, info: { readonly code: number | null; readonly reason: string }): void {
    this.first.closed?.(conn, info);
    this.second.closed?.(conn, info);
  }

  message(msg: EngineMessage): MessageVerdict | Promise<MessageVerdict> {
    const a = this.first.message(msg);
    return a instanceof Promise ? a.then((v) => this.then(msg, v)) : this.then(msg, a);
  }

  control(frame: EngineControl): ControlVerdict | Promise<ControlVerdict> {
    const a = this.first.control?.(frame) ?? {};
    const next = (v: ControlVerdict): ControlVerdict | Promise<ControlVerdict> => {
      if (v.drop === true || v.close !== undefined || this.second.control === undefined) return v;
      const b = this.second.control(frame);
      return b instanceof Promise ? b.then((w) => mergeControl(v, w)) : mergeControl(v, b);
    };
    return a instanceof Promise ? a.then(next) : next(a);
  }

  private then(msg: EngineMessage, v: MessageVerdict): MessageVerdict | Promise<MessageVerdict> {
    if (v.drop === true || v.close !== undefined) return v;
    const seen: EngineMessage =
      v.replace === undefined ? msg : { ...msg, opcode: v.replace.opcode ?? msg.opcode, data: v.replace.data };
    const b = this.second.message(seen);
    return b instanceof Promise ? b.then((w) => merge(v, w)) : merge(v, b);
  }
}

function merge(a: MessageVerdict, b: MessageVerdict): MessageVerdict {
  if (b.drop === true || b.close !== undefined) return b;
  const delay = (a.delayMs ?? 0) + (b.delayMs ?? 0);
  const inject = [...(a.inject ?? []), ...(b.inject ?? [])];
  return {
    replace: b.replace ?? a.replace,
    delayMs: delay > 0 ? delay : undefined,
    hold: a.hold === true || b.hold === true ? true : undefined,
    fragment: b.fragment ?? a.fragment,
    inject: inject.length > 0 ? inject : undefined,
  };
}

function mergeControl(a: ControlVerdict, b: ControlVerdict): ControlVerdict {
  if (b.drop === true || b.close !== undefined) return b;
  const delay = (a.delayMs ?? 0) + (b.delayMs ?? 0);
  const inject = [...(a.inject ?? []), ...(b.inject ?? [])];
  return { delayMs: delay > 0 ? delay : undefined, inject: inject.length > 0 ? inject : undefined };
}
