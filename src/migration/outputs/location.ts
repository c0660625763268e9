import * as z from "zod";

/**
 * A database location as recorded in the state: host, port, database, user, and the URL's
 * other parameters (TLS mode, certificate paths — never their contents). Never a password.
 * The shape of adapters/postgres/url.ts's PgLocation.
 */
export const pgLocationSchema = z.object({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  database: z.string().min(1),
  user: z.string().min(1),
  params: z.record(z.string(), z.string()),
});
