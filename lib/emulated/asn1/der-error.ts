/** The one exception the DER reader throws; protocol modules turn it into SEC_E_INVALID_TOKEN. */
export class DerError extends Error {
  override name = 'DerError';
  /** Byte offset in the outermost buffer where the problem was found, when known. */
  readonly offset: number | undefined;

  constructor(message: string, offset?: number) {
    super(offset === undefined ? message : `${message} (at byte ${offset})`);
    this.offset = offset;
  }
}
