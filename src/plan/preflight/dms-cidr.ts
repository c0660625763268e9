import { WIDEST_ALLOWED_PREFIX, formatNetwork, parseCidr } from "../cidr.js";

/**
 * Checks a `--dms-cidr` / `source.dmsCidr` value: a host address or a network, never
 * 0.0.0.0/0 or anything that broad. Returns the normalised CIDR or the problem.
 */
export function checkDmsCidr(text: string): { cidr: string } | { problem: string } {
  const net = parseCidr(text);
  if (!net) return { problem: `"${text}" is not an IP address or CIDR range (e.g. 10.0.12.34/32)` };
  if (net.prefix < WIDEST_ALLOWED_PREFIX[net.version]) {
    return {
      problem: `${text} is far too broad for pg_hba.conf: give the replication instance's own address (/32) or its subnet, never 0.0.0.0/0`,
    };
  }
  return { cidr: formatNetwork(net) };
}
