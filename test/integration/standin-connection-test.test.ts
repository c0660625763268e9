import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parsePgUrl } from "../../src/adapters/postgres/url.js";
import { testEndpointConnection } from "../../src/standin/connection-test.js";
import { type PgServer, startPgServer } from "../support/pg-server.js";

let server: PgServer;
beforeAll(async () => {
  server = await startPgServer({ name: "conntest", logical: true });
});
afterAll(async () => {
  await server.stop();
});

describe("stand-in TestConnection", () => {
  it("GIVEN a reachable source that allows replication THEN the test is successful", async () => {
    expect(await testEndpointConnection({ location: parsePgUrl(server.url()).location }, "source")).toEqual({ Status: "successful" });
  });

  it("GIVEN a user without the REPLICATION attribute WHEN testing the source THEN it fails saying the replication connection was refused; as a target it passes", async () => {
    await server.sql("DROP ROLE IF EXISTS plain_user; CREATE ROLE plain_user LOGIN");
    const endpoint = { location: parsePgUrl(server.url("postgres", "plain_user")).location };
    const result = await testEndpointConnection(endpoint, "source");
    expect(result.Status).toBe("failed");
    expect(result.LastFailureMessage).toMatch(/replication connection \(needed for CDC\).*(superuser|replication)/);
    expect(await testEndpointConnection(endpoint, "target")).toEqual({ Status: "successful" });
  });

  it("GIVEN nothing listening WHEN testing THEN it fails with the connection error and what to check", async () => {
    const location = { ...parsePgUrl(server.url()).location, port: 1 };
    const result = await testEndpointConnection({ location }, "target");
    expect(result).toMatchObject({ Status: "failed" });
    expect(result.LastFailureMessage).toMatch(/nothing accepts connections/);
  });
});
