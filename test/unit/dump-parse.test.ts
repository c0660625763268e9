import { describe, expect, it } from "vitest";
import { parseDump, renderDump, tolerateExistingSchemas } from "../../src/migration/schema/dump.js";
import { postDataNow } from "../../src/migration/schema/load-builtin.js";

// The shape pg_dump 15.14+ writes: \restrict/\unrestrict around the entries.
const POST_DATA = `--
-- PostgreSQL database dump
--

\\restrict abc123

SET statement_timeout = 0;
SELECT pg_catalog.set_config('search_path', '', false);

--
-- Name: a a_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.a
    ADD CONSTRAINT a_pkey PRIMARY KEY (id);


--
-- Name: a a_name_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.a
    ADD CONSTRAINT a_name_key UNIQUE (name);


--
-- Name: b_note_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX b_note_idx ON public.b USING btree (lower(note));


--
-- Name: INDEX b_note_idx; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON INDEX public.b_note_idx IS 'hello';


--
-- Name: b t; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER t BEFORE INSERT ON public.b FOR EACH ROW EXECUTE FUNCTION public.f();


--
-- Name: b b_a_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.b
    ADD CONSTRAINT b_a_id_fkey FOREIGN KEY (a_id) REFERENCES public.a(id);


--
-- PostgreSQL database dump complete
--

\\unrestrict abc123

`;

describe("pg_dump plain output, split at its entry headers (pure)", () => {
  it("GIVEN a post-data dump WHEN parsed and rendered THEN nothing is lost, \\restrict lines included", () => {
    const parsed = parseDump(POST_DATA);
    expect(parsed.entries.map((e) => e.type)).toEqual(["CONSTRAINT", "CONSTRAINT", "INDEX", "COMMENT", "TRIGGER", "FK CONSTRAINT"]);
    expect(parsed.preamble).toContain("\\restrict abc123");
    expect(parsed.trailer).toContain("\\unrestrict abc123");
    expect(renderDump(parsed)).toBe(POST_DATA);
  });

  it("GIVEN indexes set aside WHEN the part that goes in now is taken THEN it keeps the primary key and trigger only", () => {
    const now = postDataNow(parseDump(POST_DATA), { indexes: true }, new Set(["public.a_name_key", "public.b_note_idx", "public.b_a_id_fkey"]));
    expect(now.entries.map((e) => e.name)).toEqual(["a a_pkey", "b t"]);
    expect(renderDump(now)).toContain("\\unrestrict abc123");
  });

  it("GIVEN only foreign keys set aside WHEN the part that goes in now is taken THEN indexes, their comments and unique constraints go in now", () => {
    const now = postDataNow(parseDump(POST_DATA), { indexes: false }, new Set(["public.b_a_id_fkey"]));
    expect(now.entries.map((e) => e.type)).toEqual(["CONSTRAINT", "CONSTRAINT", "INDEX", "COMMENT", "TRIGGER"]);
  });

  it("GIVEN a SCHEMA entry WHEN made tolerant THEN it becomes CREATE SCHEMA IF NOT EXISTS and nothing else changes", () => {
    const pre = `SET x = 1;\n\n--\n-- Name: public; Type: SCHEMA; Schema: -; Owner: -\n--\n\nCREATE SCHEMA public;\n\n\n--\n-- Name: f(); Type: FUNCTION; Schema: public; Owner: -\n--\n\nCREATE FUNCTION public.f() RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql; -- CREATE SCHEMA x;\n`;
    const out = renderDump(tolerateExistingSchemas(parseDump(pre)));
    expect(out).toContain("CREATE SCHEMA IF NOT EXISTS public;");
    expect(out).toContain("-- CREATE SCHEMA x;");
  });
});
