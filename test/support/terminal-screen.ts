/**
 * What a person would see after a program wrote `raw` to a terminal `columns` wide: a small
 * emulator of the codes ora, readline and chalk use (carriage return, line feed, cursor up/
 * down/left/right/column, erase in line and below, deferred autowrap; colours and cursor
 * visibility ignored), returning every line from the first, scrollback included.
 */
export function screenLines(raw: string, columns: number): string[] {
  const width = columns > 0 ? columns : Number.POSITIVE_INFINITY;
  const rows: string[][] = [[]];
  let row = 0;
  let col = 0;
  /** xterm's deferred wrap: a character in the last column leaves the cursor there until the next one. */
  let pendingWrap = false;
  const line = (r: number): string[] => {
    while (rows.length <= r) rows.push([]);
    return rows[r] as string[];
  };
  const put = (ch: string): void => {
    if (pendingWrap) {
      row += 1;
      col = 0;
      pendingWrap = false;
    }
    const l = line(row);
    while (l.length < col) l.push(" ");
    l[col] = ch;
    if (col + 1 >= width) pendingWrap = true;
    else col += 1;
  };
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i] as string;
    if (ch === "\u001b") {
      // eslint-disable-next-line no-control-regex
      const csi = /^\u001b\[([?]?)([0-9;]*)([A-Za-z])/.exec(raw.slice(i, i + 32));
      if (!csi) continue;
      i += csi[0].length - 1;
      if (csi[1] === "?") continue;
      const n = Number((csi[2] ?? "").split(";")[0] || "0");
      const l = line(row);
      pendingWrap = false;
      switch (csi[3]) {
        case "A":
          row = Math.max(0, row - Math.max(1, n));
          break;
        case "B":
          row += Math.max(1, n);
          break;
        case "C":
          col += Math.max(1, n);
          break;
        case "D":
          col = Math.max(0, col - Math.max(1, n));
          break;
        case "G":
          col = Math.max(0, n - 1);
          break;
        case "K":
          if (n === 0) l.length = Math.min(l.length, col);
          else if (n === 1) for (let c = 0; c <= col && c < l.length; c++) l[c] = " ";
          else l.length = 0;
          break;
        case "J":
          if (n === 0) {
            l.length = Math.min(l.length, col);
            rows.length = Math.min(rows.length, row + 1);
          }
          break;
        default:
          // Colours (m) and anything else leave the text alone.
          break;
      }
      continue;
    }
    if (ch === "\r") {
      col = 0;
      pendingWrap = false;
    } else if (ch === "\n") {
      row += 1;
      col = 0;
      pendingWrap = false;
      line(row);
    } else if (ch === "\b") {
      col = Math.max(0, col - 1);
    } else if (ch >= " " || ch === "\t") {
      put(ch);
    }
  }
  return rows.map((l) => l.join("").replace(/\s+$/, ""));
}
