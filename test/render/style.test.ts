import { describe, expect, it } from 'vitest';
import { createStyle } from '../../src/render/style.js';

describe('createStyle', () => {
  it('colour off: every paint is the identity', () => {
    const s = createStyle({ color: false });
    expect(s.color).toBe(false);
    for (const paint of [
      s.fin,
      s.opcode,
      s.key,
      s.error,
      s.warning,
      s.note,
      s.dim,
      s.bold,
      s.c2s,
      s.s2c,
      s.field('maskingKey'),
    ]) {
      expect(paint('x')).toBe('x');
    }
  });

  it('colour on: ANSI escapes, distinct colours per field and severity', () => {
    const s = createStyle({ color: true });
    expect(s.color).toBe(true);
    expect(s.fin('x')).toMatch(/^\x1b\[\d+mx\x1b\[\d+m$/);
    expect(s.fin('x')).not.toBe(s.opcode('x'));
    expect(s.error('x')).not.toBe(s.warning('x'));
    expect(s.severity('note')('x')).toBe(s.note('x'));
    expect(s.direction('c2s')('x')).toBe(s.c2s('x'));
  });

  it('honours the colour level', () => {
    expect(createStyle({ color: true, level: 3 }).opcode('x')).toContain('\x1b[');
  });
});
