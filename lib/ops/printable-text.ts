/**
 * Text from jobs, datasets and logs as the CLI prints it: without the control characters a
 * terminal obeys. A dataset's header or a job's log line can hold escape sequences that write the
 * clipboard (OSC 52: `ESC ] 52 ; c ; <base64> BEL`), erase or rewrite what was printed before
 * (`ESC [ 2K`, `\r`), or retitle the window; printed as they are, the terminal runs them.
 *
 * Escape sequences go whole (ECMA-48: a CSI with its parameters and final byte; an OSC, DCS, SOS,
 * PM or APC string up to its BEL or ST, or to the end of the line when it has none), then every
 * other C0 and C1 control character and DEL; a tab stays, and a line break where `multiline`.
 */
export function printable(text: string, options: { readonly multiline?: boolean } = {}): string {
  const withoutSequences = text.replace(ESCAPE_SEQUENCE, '');
  return withoutSequences.replace(options.multiline ? CONTROL_BUT_LINE_BREAK : CONTROL, '');
}

/* eslint-disable no-control-regex */
const ESCAPE_SEQUENCE = new RegExp(
  [
    // CSI: ESC [ (or its C1 form), parameter and intermediate bytes, a final byte.
    '(?:\\x1b\\[|\\x9b)[\\x20-\\x3f]*[\\x40-\\x7e]',
    // OSC, DCS, SOS, PM, APC (ESC ] P X ^ _, or their C1 forms) up to BEL or ST (ESC \\ or 0x9c).
    '(?:\\x1b[\\]PX^_]|[\\x90\\x98\\x9d\\x9e\\x9f])[^\\x07\\x1b\\x9c\\n]*(?:\\x07|\\x1b\\\\|\\x9c)?',
    // Any other escape: ESC and the character it introduces.
    '\\x1b[\\x20-\\x7e]?',
  ].join('|'),
  'g',
);
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/g;
const CONTROL_BUT_LINE_BREAK = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;
/* eslint-enable no-control-regex */
