/**
 * An error the local stand-in for DMS raises where DMS answers with a fault. `name` is the
 * fault's name as the AWS SDK reports it (`InvalidResourceStateFault`, …), so the stand-in's
 * adapter can hand it on and the wizard cannot tell it from the real service.
 */
export type DmsFaultName = "InvalidResourceStateFault" | "InvalidParameterValueException" | "ResourceNotFoundFault";

export class DmsFault extends Error {
  override readonly name: DmsFaultName;

  constructor(name: DmsFaultName, message: string) {
    super(message);
    this.name = name;
  }
}
