// permessage-deflate negotiation (RFC 7692 §7): which parameters an offer and a response may
// carry, whether the server's answer fits what the client offered, and the settings in
// force for each direction afterwards. Layer rule: protocol/ — pure data in, records out.
import { diagnostic, type Diagnostic } from './diagnostic-catalogue.js';
import type { DeflateNegotiation, ExtensionOffer } from './handshake-types.js';
import { paramsInOrder, paramValue } from './extension-header.js';
import { quoteText } from './http-head-parser.js';

export const PERMESSAGE_DEFLATE = 'permessage-deflate';

/** What a parameter's value may be: none, a required 8–15, or an optional 8–15. */
type ValueRule = 'none' | 'bits' | 'optional-bits';

interface ParamRule {
  readonly value: ValueRule;
}

// RFC 7692 §7.1: the four parameters. client_max_window_bits may be bare in an offer
// (§7.1.2.2: "the client supports the parameter") but needs a value in a response.
const OFFER_RULES: ReadonlyMap<string, ParamRule> = new Map([
  ['server_no_context_takeover', { value: 'none' }],
  ['client_no_context_takeover', { value: 'none' }],
  ['server_max_window_bits', { value: 'bits' }],
  ['client_max_window_bits', { value: 'optional-bits' }],
]);
const RESPONSE_RULES: ReadonlyMap<string, ParamRule> = new Map([
  ...OFFER_RULES,
  ['client_max_window_bits', { value: 'bits' }],
]);

// "a decimal integer value without leading zeroes between 8 to 15, inclusive" (§7.1.2.1).
const WINDOW_BITS = /^(?:[89]|1[0-5])$/;
const DEFAULT_WINDOW_BITS = 15;

type Role = 'offer' | 'response';

/** RFC 7692 §7: an offer the server must decline (unknown, duplicate or invalid parameters). */
export function validateDeflateOffer(offer: ExtensionOffer): Diagnostic[] {
  return checkParams(offer, OFFER_RULES, 'offer');
}

function checkParams(ext: ExtensionOffer, rules: ReadonlyMap<string, ParamRule>, role: Role): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const seen = new Set<string>();
  for (const { name, value } of paramsInOrder(ext)) {
    const rule = rules.get(name);
    if (rule === undefined) {
      diagnostics.push(
        diagnostic(
          'handshake.deflate.param-unknown',
          `unknown parameter ${quoteText(name)} in the permessage-deflate ${role}`,
        ),
      );
    } else if (seen.has(name)) {
      diagnostics.push(
        diagnostic(
          'handshake.deflate.param-duplicate',
          `${name} appears more than once in the permessage-deflate ${role}`,
        ),
      );
    } else {
      const problem = valueProblem(value, rule);
      if (problem !== null)
        diagnostics.push(
          diagnostic('handshake.deflate.param-invalid', `${name} in the permessage-deflate ${role} ${problem}`),
        );
    }
    seen.add(name);
  }
  return diagnostics;
}

function valueProblem(value: string | true, rule: ParamRule): string | null {
  if (rule.value === 'none') return value === true ? null : `takes no value but has ${quoteText(value)}`;
  if (value === true) return rule.value === 'bits' ? 'needs a value from 8 to 15' : null;
  return WINDOW_BITS.test(value) ? null : `has ${quoteText(value)}, not an integer from 8 to 15 without leading zeros`;
}

/** A parameter's window bits when present and valid, else undefined. */
function bitsOf(ext: ExtensionOffer, name: string): number | undefined {
  const value = paramValue(ext, name);
  return typeof value === 'string' && WINDOW_BITS.test(value) ? Number(value) : undefined;
}

function has(ext: ExtensionOffer, name: string): boolean {
  return paramValue(ext, name) !== undefined;
}

export interface DeflateNegotiationResult {
  readonly deflate: DeflateNegotiation;
  readonly diagnostics: Diagnostic[];
}

/**
 * Checks the server's permessage-deflate response (RFC 7692 §7) and derives the settings
 * in force. `offers` are all the client's offers (any extension); null when the request was
 * not seen, which leaves only the checks the response alone allows. When the client offered
 * no permessage-deflate at all, that is the caller's extension.not-offered (RFC 6455 §9.1).
 */
export function negotiateDeflate(
  offers: readonly ExtensionOffer[] | null,
  response: ExtensionOffer,
): DeflateNegotiationResult {
  const diagnostics = checkParams(response, RESPONSE_RULES, 'response');
  const deflateOffers = (offers ?? []).filter((o) => o.name === PERMESSAGE_DEFLATE);
  if (deflateOffers.length > 0) diagnostics.push(...responseVersusOffers(deflateOffers, response));
  const deflate: DeflateNegotiation = {
    client: {
      windowBits: bitsOf(response, 'client_max_window_bits') ?? DEFAULT_WINDOW_BITS,
      noContextTakeover: has(response, 'client_no_context_takeover'),
    },
    server: {
      windowBits: bitsOf(response, 'server_max_window_bits') ?? DEFAULT_WINDOW_BITS,
      noContextTakeover: has(response, 'server_no_context_takeover'),
    },
  };
  return { deflate, diagnostics };
}

/** The response accepts one of the offers; report against the closest when it fits none. */
function responseVersusOffers(offers: readonly ExtensionOffer[], response: ExtensionOffer): Diagnostic[] {
  let best: string[] | null = null;
  let bestIndex = 0;
  for (let i = 0; i < offers.length; i++) {
    const conflicts = offerConflicts(offers[i], response);
    if (conflicts.length === 0) return [];
    if (best === null || conflicts.length < best.length) {
      best = conflicts;
      bestIndex = i;
    }
  }
  const which = offers.length > 1 ? ` (fits none of ${offers.length} offers; closest is offer ${bestIndex + 1})` : '';
  return (best ?? []).map((c) => diagnostic('handshake.deflate.response-invalid', `${c}${which}`));
}

/** Why `response` cannot be an acceptance of `offer` (RFC 7692 §7.1.1.1, §7.1.2.1, §7.1.2.2). */
function offerConflicts(offer: ExtensionOffer, response: ExtensionOffer): string[] {
  const conflicts: string[] = [];
  // §7.1.1.1: a server accepts an offer with server_no_context_takeover by echoing it.
  if (has(offer, 'server_no_context_takeover') && !has(response, 'server_no_context_takeover')) {
    conflicts.push('the offer has server_no_context_takeover but the response does not');
  }
  // §7.1.2.1: an offered server_max_window_bits must be answered with an equal or smaller value.
  const offeredServer = bitsOf(offer, 'server_max_window_bits');
  const answeredServer = bitsOf(response, 'server_max_window_bits');
  if (offeredServer !== undefined && !has(response, 'server_max_window_bits')) {
    conflicts.push(`the offer limits server_max_window_bits to ${offeredServer} but the response does not include it`);
  } else if (offeredServer !== undefined && answeredServer !== undefined && answeredServer > offeredServer) {
    conflicts.push(`server_max_window_bits=${answeredServer} in the response exceeds the offered ${offeredServer}`);
  }
  // §7.1.2.2: client_max_window_bits only if offered, and not above an offered value.
  const offeredClient = paramValue(offer, 'client_max_window_bits');
  const answeredClient = bitsOf(response, 'client_max_window_bits');
  if (offeredClient === undefined && has(response, 'client_max_window_bits')) {
    conflicts.push('the response has client_max_window_bits but the offer did not include it');
  } else if (
    typeof offeredClient === 'string' &&
    answeredClient !== undefined &&
    WINDOW_BITS.test(offeredClient) &&
    answeredClient > Number(offeredClient)
  ) {
    conflicts.push(`client_max_window_bits=${answeredClient} in the response exceeds the offered ${offeredClient}`);
  }
  return conflicts;
}

/** Settings to decode with when no handshake was seen (capture began mid-connection). */
export function assumedDeflate(windowBits = DEFAULT_WINDOW_BITS, noContextTakeover = false): DeflateNegotiation {
  return {
    client: { windowBits, noContextTakeover },
    server: { windowBits, noContextTakeover },
  };
}
