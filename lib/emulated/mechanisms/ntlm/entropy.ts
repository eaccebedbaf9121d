/**
 * Where an NTLM context gets randomness and time. Tests replace it to pin exact bytes; real
 * contexts use the system CSPRNG through a ContextEntropy of their own.
 */
import { randomBytes } from 'node:crypto';
import { wipe } from '../../../secret';

export interface NtlmEntropy {
  randomBytes(size: number): Buffer;
  now(): Date;
  /** Zero whatever randomness is held and not yet handed out. */
  dispose?(): void;
}

/** ClientChallenge (8) and the random ExportedSessionKey (16): what one AUTHENTICATE draws (MS-NLMP 3.1.5.1.2). */
const AUTHENTICATE_RANDOM_BYTES = 8 + 16;

/** The empty reserve every context starts with; zero-length, so sharing it is safe. */
const NOTHING_DRAWN = Buffer.alloc(0);

/**
 * The system CSPRNG for one context. A randomBytes() call costs 5 to 25 µs whatever its size,
 * more than the HMACs of the exchange, so the two values an AUTHENTICATE needs come from one call:
 * the first draw takes AUTHENTICATE_RANDOM_BYTES and later draws are served from the rest.
 * Handed-out bytes are copies and are zeroed in the reserve; the reserve lives in the context
 * only (never shared between contexts) and dispose() zeroes what is left.
 */
export class ContextEntropy implements NtlmEntropy {
  private reserve: Buffer = NOTHING_DRAWN;

  randomBytes(size: number): Buffer {
    if (size > this.reserve.length) {
      wipe(this.reserve);
      this.reserve = randomBytes(Math.max(size, AUTHENTICATE_RANDOM_BYTES));
    }
    const drawn = Buffer.from(this.reserve.subarray(0, size));
    this.reserve.fill(0, 0, size);
    this.reserve = this.reserve.subarray(size);
    return drawn;
  }

  now(): Date {
    return new Date();
  }

  /** Zero the bytes not handed out; a later draw goes back to the CSPRNG rather than serve zeros. */
  dispose(): void {
    wipe(this.reserve);
    this.reserve = this.reserve.subarray(0, 0);
  }
}
