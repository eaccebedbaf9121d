/**
 * Message protection on an established CredSSP context: EncryptMessage and DecryptMessage are
 * TLS application-data records on the exchange's connection (MS-CSSP 3.1.5 step 6).
 */
import { sspiError } from '../../../errors';
import { wipe } from '../../../secret';
import { cutToken, type CredsspChannel } from './channel';

/**
 * `checkAlive` runs after any wait: a context deleted while TLS worked has lost its connection,
 * and with it what TLS wrote or decrypted.
 */
export async function sealRecords(
  channel: CredsspChannel,
  data: Buffer,
  checkAlive: () => void,
): Promise<Buffer> {
  const pending = channel.tls.writeNow(data);
  if (pending) {
    await pending;
    checkAlive();
  }
  return channel.takeOutput();
}

export async function openRecords(
  channel: CredsspChannel,
  data: Buffer,
  checkAlive: () => void,
): Promise<Buffer> {
  // Nothing is not a message: Schannel asks for at least a record header.
  const cut = data.length === 0 ? { missing: 5 } : cutToken(data);
  if ('missing' in cut) {
    throw sspiError(
      'SEC_E_INCOMPLETE_MESSAGE',
      `The TLS record is incomplete: ${cut.missing} more bytes are needed.`,
    );
  }
  // Whole records only (cutToken checked), so all of them go to TLS in one push.
  const pending = channel.tls.feedNow(data);
  if (pending) {
    await pending;
    checkAlive();
  }
  const error = channel.tls.error;
  if (error) {
    // Whatever was decrypted before the bad record goes down with the connection.
    wipe(channel.tls.takePlaintext());
    const reason = (error as Error & { code?: string }).code ?? error.message;
    throw sspiError(
      'SEC_E_DECRYPT_FAILURE',
      `The TLS record could not be decrypted (${reason}): it was altered, replayed or belongs to another ` +
        'connection. The context can no longer be used.',
    );
  }
  return channel.tls.takePlaintext();
}
