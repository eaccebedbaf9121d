/**
 * SSPI TimeStamps from the addon as Dates. The addon reads a TimeStamp (a FILETIME) as
 * milliseconds since the Unix epoch without knowing its clock; which clock it is depends on the
 * package: CredSSP reports local time (AcquireCredentialsHandle (CredSSP) and
 * InitializeSecurityContext (CredSSP), ptsExpiry: "the security package always return this value
 * in local time"), so its wall-clock reading is converted here to the instant it names, with the
 * time-zone rules in force on that date (daylight saving included).
 */

/** The largest magnitude a Date can hold (ECMA-262 §21.4.1.1). */
const MAX_DATE_MS = 8.64e15;

export type TimeStampClock = 'utc' | 'local';

/** A Date, or null when the package gave none (0) or a value no Date can hold. */
export function timeStampDate(epochMs: number | undefined, clock: TimeStampClock): Date | null {
  if (epochMs === undefined || epochMs === 0 || !(Math.abs(epochMs) <= MAX_DATE_MS)) return null;
  if (clock === 'utc') return new Date(epochMs);
  // The reading's fields are the local wall clock; the Date setters interpret them as local.
  const wall = new Date(epochMs);
  const instant = new Date(0);
  instant.setFullYear(wall.getUTCFullYear(), wall.getUTCMonth(), wall.getUTCDate());
  instant.setHours(wall.getUTCHours(), wall.getUTCMinutes(), wall.getUTCSeconds(), wall.getUTCMilliseconds());
  return Number.isNaN(instant.getTime()) ? null : instant;
}
