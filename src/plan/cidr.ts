import { isIP } from "node:net";

/** An IPv4 or IPv6 network as numbers, for containment tests (pure; no lookups). */
export interface Network {
  version: 4 | 6;
  address: bigint;
  prefix: number;
}

/**
 * The widest network the tool lets into a database (pg_hba.conf lines, the security-group rule
 * for this tool): a /7 or wider IPv4 range is half the internet and more.
 */
export const WIDEST_ALLOWED_PREFIX = { 4: 8, 6: 32 } as const;

const bits = (version: 4 | 6): number => (version === 4 ? 32 : 128);

function parseAddress(text: string): { version: 4 | 6; value: bigint } | undefined {
  const kind = isIP(text);
  if (kind === 4) {
    return { version: 4, value: text.split(".").reduce((acc, part) => (acc << 8n) + BigInt(Number(part)), 0n) };
  }
  if (kind === 6) {
    if (text.includes(".")) return undefined; // IPv4-embedded forms: not needed for pg_hba here.
    const [head = "", tail] = text.split("::");
    const h = head ? head.split(":") : [];
    const t = tail !== undefined && tail !== "" ? tail.split(":") : [];
    const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill("0"), ...t];
    return { version: 6, value: groups.reduce((acc, g) => (acc << 16n) + BigInt(parseInt(g, 16)), 0n) };
  }
  return undefined;
}

function mask(version: 4 | 6, prefix: number): bigint {
  const width = bits(version);
  return ((1n << BigInt(width)) - 1n) ^ ((1n << BigInt(width - prefix)) - 1n);
}

/** "10.0.12.34/32", "10.0.12.34" (a host) or "fd00::/64"; undefined when not a network. */
export function parseCidr(text: string): Network | undefined {
  const [addr = "", prefixText, ...extra] = text.trim().split("/");
  if (extra.length) return undefined;
  const parsed = parseAddress(addr);
  if (!parsed) return undefined;
  const width = bits(parsed.version);
  const prefix = prefixText === undefined ? width : /^\d+$/.test(prefixText) ? Number(prefixText) : NaN;
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > width) return undefined;
  return { version: parsed.version, address: parsed.value & mask(parsed.version, prefix), prefix };
}

/** A pg_hba address with its netmask (as pg_hba_file_rules shows them) as a network. */
export function networkFromMask(address: string, netmask: string): Network | undefined {
  const a = parseAddress(address);
  const m = parseAddress(netmask);
  if (!a || !m || a.version !== m.version) return undefined;
  const prefix = m.value.toString(2).replace(/0+$/, "").length;
  return { version: a.version, address: a.value & mask(a.version, prefix), prefix };
}

/** True when every address of `inner` lies in `outer`. */
export function containsNetwork(outer: Network, inner: Network): boolean {
  if (outer.version !== inner.version || inner.prefix < outer.prefix) return false;
  return (inner.address & mask(outer.version, outer.prefix)) === outer.address;
}

export function formatNetwork(n: Network): string {
  if (n.version === 4) {
    const parts = [24n, 16n, 8n, 0n].map((s) => String((n.address >> s) & 255n));
    return `${parts.join(".")}/${n.prefix}`;
  }
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((n.address >> BigInt(i * 16)) & 0xffffn).toString(16));
  return `${groups.join(":")}/${n.prefix}`;
}
