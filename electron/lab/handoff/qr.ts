/**
 * QR codes of the hand-off URL for the laptop screen. They are never served on the LAN:
 * the LAN side serves only what the phone needs; the UI gets them through the control API.
 */

/** qrcode (with its PNG and SVG renderers) is loaded when a code is first drawn, not when the lab starts. */
let qrcodeModule: Promise<typeof import('qrcode')> | undefined;
const qrcode = () => (qrcodeModule ??= import('qrcode').then((m) => m.default));

/** The quiet zone the QR specification asks for (ISO/IEC 18004 §6.3.8: four modules). */
export const QR_QUIET_ZONE = 4;
/** Medium error correction: a URL of ~30 characters stays a small version-2/3 symbol. */
export const QR_ERROR_CORRECTION = 'M' as const;

/** The module matrix: true = dark. */
export async function qrMatrix(text: string): Promise<boolean[][]> {
  const qr = (await qrcode()).create(text, { errorCorrectionLevel: QR_ERROR_CORRECTION });
  const n = qr.modules.size;
  const rows: boolean[][] = [];
  for (let y = 0; y < n; y++) {
    const row: boolean[] = [];
    for (let x = 0; x < n; x++) row.push(qr.modules.get(x, y) === 1);
    rows.push(row);
  }
  return rows;
}

const ESC = '\x1b[';
const WHITE_BG_BLACK_FG = `${ESC}47m${ESC}30m`;
const RESET = `${ESC}0m`;

/**
 * The QR for a terminal, two modules per character cell (▀ ▄ █). qrcode's own renderers either
 * leave the colours to the terminal (`utf8`: inverted on a dark terminal, which many scanners
 * refuse) or keep a one-module quiet zone (`terminal`); this one sets black on white explicitly
 * and keeps the full quiet zone, so a phone camera reads it on any terminal.
 * `ansi: false` gives the plain block characters (dark = ink), for logs and files.
 */
export async function qrTerminal(url: string, opts: { ansi?: boolean } = {}): Promise<string> {
  const ansi = opts.ansi ?? true;
  const m = await qrMatrix(url);
  const n = m.length + 2 * QR_QUIET_ZONE;
  const dark = (x: number, y: number): boolean => {
    const mx = x - QR_QUIET_ZONE;
    const my = y - QR_QUIET_ZONE;
    return my >= 0 && my < m.length && mx >= 0 && mx < m.length && m[my][mx];
  };
  const lines: string[] = [];
  for (let y = 0; y < n; y += 2) {
    let line = '';
    for (let x = 0; x < n; x++) {
      const top = dark(x, y);
      const bottom = y + 1 < n && dark(x, y + 1);
      line += top && bottom ? '█' : top ? '▀' : bottom ? '▄' : ' ';
    }
    lines.push(ansi ? WHITE_BG_BLACK_FG + line + RESET : line);
  }
  return lines.join('\n') + '\n';
}

export async function qrPng(url: string, opts: { scale?: number } = {}): Promise<Buffer> {
  return (await qrcode()).toBuffer(url, { type: 'png', errorCorrectionLevel: QR_ERROR_CORRECTION, margin: QR_QUIET_ZONE, scale: opts.scale ?? 8 });
}

export async function qrSvg(url: string): Promise<string> {
  return (await qrcode()).toString(url, { type: 'svg', errorCorrectionLevel: QR_ERROR_CORRECTION, margin: QR_QUIET_ZONE });
}
