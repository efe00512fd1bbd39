// A QR code as text, two modules per character row with half blocks. Light modules (and the quiet
// zone) are drawn filled: on the device's console (light text on a dark screen) the code then
// reads dark-on-light, the way scanners expect.
import { Box, Text } from 'ink';
import QRCode from 'qrcode';

/** One module of quiet zone: enough for phone and dock scanners, and it keeps the label within 80 columns. */
export const QR_MARGIN = 1;

/** What the facility's scanner reads: job id and seal fingerprint, uppercased so QR's compact alphanumeric mode applies. */
export function labelPayload(jobId: string, sealFingerprint: string): string {
  return `${jobId} ${sealFingerprint}`.toUpperCase();
}

/** The symbol's modules (true = dark), quiet zone included. */
export function qrMatrix(payload: string): boolean[][] {
  const code = QRCode.create(payload, { errorCorrectionLevel: 'L' });
  const n = code.modules.size;
  const size = n + QR_MARGIN * 2;
  const rows: boolean[][] = [];
  for (let r = 0; r < size; r++) {
    const row: boolean[] = [];
    for (let c = 0; c < size; c++) {
      const inside = r >= QR_MARGIN && c >= QR_MARGIN && r < n + QR_MARGIN && c < n + QR_MARGIN;
      row.push(inside ? code.modules.get(r - QR_MARGIN, c - QR_MARGIN) === 1 : false);
    }
    rows.push(row);
  }
  return rows;
}

export function qrLines(payload: string): string[] {
  const m = qrMatrix(payload);
  const lines: string[] = [];
  for (let r = 0; r < m.length; r += 2) {
    let line = '';
    for (let c = 0; c < m[r]!.length; c++) {
      const top = !m[r]![c];
      const bottom = r + 1 < m.length ? !m[r + 1]![c] : false;
      line += top && bottom ? '█' : top ? '▀' : bottom ? '▄' : ' ';
    }
    lines.push(line);
  }
  return lines;
}

export function QrCode(props: { payload: string }) {
  return (
    <Box flexDirection="column">
      {qrLines(props.payload).map((line, i) => (
        <Text key={i}>{line}</Text>
      ))}
    </Box>
  );
}
