/**
 * LOB settings for the DMS task from the largest LOB value the preflight measured
 * (docs/dms-notes.md §8). Limited LOB mode is fast but silently truncates anything over
 * LobMaxSize, so the limit is sized from the real maximum with head-room, and the source
 * endpoint sets FailTasksOnLobTruncation so a value that grew since is an error, not a loss.
 */
export interface LobSettings {
  SupportLobs: true;
  FullLobMode: boolean;
  LimitedSizeLobMode: boolean;
  /** KB; 0 in full LOB mode. */
  LobMaxSize: number;
  /** KB; used in full LOB mode. */
  LobChunkSize: number;
  InlineLobMaxSize: 0;
}

/** Smallest limit we send (KB): DMS's own default. */
export const MIN_LOB_MAX_KB = 32;
/** Above this (KB), AWS recommends full LOB mode instead of a huge limited-mode buffer. */
export const MAX_LIMITED_LOB_KB = 102_400;

export interface LobPlan {
  settings: LobSettings;
  reason: string;
}

/**
 * `maxLobBytes`: the longest LOB-type value on the source (bytes), or undefined when unknown.
 * The limit is twice the measured maximum (AWS: ×2 for multi-byte text), rounded up to a
 * power of two KB, at least 32 KB.
 */
export function planLobSettings(maxLobBytes: number | undefined): LobPlan {
  if (maxLobBytes === undefined) {
    return {
      settings: fullMode(),
      reason: "the largest LOB value is unknown (no preflight measurement), so full LOB mode: slower, but nothing can be truncated",
    };
  }
  const neededKb = Math.ceil((maxLobBytes * 2) / 1024);
  if (neededKb > MAX_LIMITED_LOB_KB) {
    return { settings: fullMode(), reason: `the largest LOB value is ${formatBytes(maxLobBytes)}, above what limited LOB mode handles well, so full LOB mode` };
  }
  let kb = MIN_LOB_MAX_KB;
  while (kb < neededKb) kb *= 2;
  kb = Math.min(kb, MAX_LIMITED_LOB_KB);
  return {
    settings: { SupportLobs: true, FullLobMode: false, LimitedSizeLobMode: true, LobMaxSize: kb, LobChunkSize: 64, InlineLobMaxSize: 0 },
    reason: `limited LOB mode with LobMaxSize ${kb} KB: twice the largest LOB value measured (${formatBytes(maxLobBytes)}), and the task fails rather than truncate a bigger one`,
  };
}

function fullMode(): LobSettings {
  return { SupportLobs: true, FullLobMode: true, LimitedSizeLobMode: false, LobMaxSize: 0, LobChunkSize: 64, InlineLobMaxSize: 0 };
}

export function formatBytes(n: number): string {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i += 1;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}
