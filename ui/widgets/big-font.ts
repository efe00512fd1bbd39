// Large letters for the lifecycle banner and the job id: a 3x5 pixel font drawn with half blocks,
// so each character is 3 columns by 3 rows (4 columns with the gap). Readable across a room and
// without colour. Lowercase is drawn as uppercase; characters outside the font as a blank.

const GLYPHS: Record<string, string> = {
  '0': '111101101101111', '1': '010110010010111', '2': '111001111100111', '3': '111001111001111',
  '4': '101101111001001', '5': '111100111001111', '6': '111100111101111', '7': '111001001001001',
  '8': '111101111101111', '9': '111101111001111',
  A: '010101111101101', B: '110101110101110', C: '011100100100011', D: '110101101101110',
  E: '111100110100111', F: '111100110100100', G: '011100101101011', H: '101101111101101',
  I: '111010010010111', J: '001001001101010', K: '101101110101101', L: '100100100100111',
  M: '101111111101101', N: '110101101101101', O: '010101101101010', P: '110101110100100',
  Q: '010101101111011', R: '110101110101101', S: '011100010001110', T: '111010010010010',
  U: '101101101101111', V: '101101101101010', W: '101101111111101', X: '101101010101101',
  Y: '101101010010010', Z: '111001010100111',
  '-': '000000111000000', _: '000000000000111', '.': '000000000000010', ':': '000010000010000',
  '/': '001001010100100', ' ': '000000000000000',
};

export const GLYPH_WIDTH = 4;

function pixel(bits: string, row: number, col: number): boolean {
  return row < 5 && bits[row * 3 + col] === '1';
}

/** The three text rows of `text` in large letters (no wrapping). */
export function bigLine(text: string): string[] {
  const rows = ['', '', ''];
  for (const ch of text.toUpperCase()) {
    const bits = GLYPHS[ch] ?? GLYPHS[' ']!;
    for (let r = 0; r < 3; r++) {
      let cell = '';
      for (let c = 0; c < 3; c++) {
        const top = pixel(bits, r * 2, c);
        const bottom = pixel(bits, r * 2 + 1, c);
        cell += top && bottom ? '█' : top ? '▀' : bottom ? '▄' : ' ';
      }
      rows[r] += `${cell} `;
    }
  }
  return rows.map((r) => r.trimEnd());
}

/**
 * Splits `text` into pieces that fit `width` columns in large letters, breaking after spaces,
 * hyphens and underscores where it can (an underscore becomes a break), anywhere when it must.
 */
export function bigPieces(text: string, width: number): string[] {
  const perLine = Math.max(1, Math.floor((width + 1) / GLYPH_WIDTH));
  const words = text.split(/(?<=[-\s_])/).map((w) => w.replace(/_$/, ' '));
  const lines: string[] = [];
  let line = '';
  for (const word of words) {
    if ((line + word).trimEnd().length <= perLine) {
      line += word;
      continue;
    }
    if (line.trim() !== '') lines.push(line.trimEnd());
    line = word;
    while (line.trimEnd().length > perLine) {
      lines.push(line.slice(0, perLine));
      line = line.slice(perLine);
    }
  }
  if (line.trim() !== '') lines.push(line.trimEnd());
  return lines;
}

/** `text` in large letters wrapped to `width`: 3 rows per piece. */
export function bigText(text: string, width: number): string[] {
  return bigPieces(text, width).flatMap(bigLine);
}
