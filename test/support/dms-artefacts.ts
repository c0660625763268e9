/**
 * The DDL-capture objects DMS creates on a PostgreSQL source when CaptureDdls is on, in the
 * schema given by DdlArtifactsSchema (docs/dms-notes.md §5; the definitions follow the
 * script AWS publishes for setting them up by hand).
 */
export function dmsArtefactsSql(schema: string): string {
  return `
CREATE TABLE ${schema}.awsdms_ddl_audit (
  c_key bigserial PRIMARY KEY, c_time timestamp, c_user varchar(64), c_txn varchar(16), c_tag varchar(24),
  c_oid integer, c_name varchar(64), c_schema varchar(64), c_ddlqry text);
CREATE OR REPLACE FUNCTION ${schema}.awsdms_intercept_ddl() RETURNS event_trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
  declare _qry text;
BEGIN
  if (tg_tag='CREATE TABLE' or tg_tag='ALTER TABLE' or tg_tag='DROP TABLE' or tg_tag = 'CREATE TABLE AS') then
    SELECT current_query() into _qry;
    insert into ${schema}.awsdms_ddl_audit values (default, current_timestamp, current_user, cast(TXID_CURRENT() as varchar(16)), tg_tag, 0, '', current_schema, _qry);
    delete from ${schema}.awsdms_ddl_audit;
  end if;
END;
$$;
CREATE EVENT TRIGGER awsdms_intercept_ddl ON ddl_command_end EXECUTE PROCEDURE ${schema}.awsdms_intercept_ddl();`;
}
