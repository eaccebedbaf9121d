/** lib/secret.ts: secret memory of its own, and wipe() zeroing what it is given. */
import { allocSecret, copySecret, secretOfString, wipe, wipeAll } from '../../lib/secret';
import { makeUserTable } from '../../lib/emulated/users';

/** A Buffer that owns its whole ArrayBuffer: no slab of the shared pool, no neighbour. */
const ownsItsMemory = (b: Buffer) => b.byteOffset === 0 && b.buffer.byteLength === b.length;

describe('secret buffers', () => {
  it.each([0, 1, 16, 64, 65, 5000])('allocSecret(%i) is zeroed memory of its own', (length) => {
    const secret = allocSecret(length);
    expect(secret.length).toBe(length);
    expect(ownsItsMemory(secret)).toBe(true);
    expect(secret.every((b) => b === 0)).toBe(true);
  });

  it('copySecret and secretOfString give their own memory, where Buffer.from would use the pool', () => {
    expect(ownsItsMemory(Buffer.from('Secret1!', 'utf16le'))).toBe(false);
    const copy = copySecret(Buffer.from('abcdef'), 1, 4);
    expect(copy.toString('latin1')).toBe('bcd');
    expect(ownsItsMemory(copy)).toBe(true);
    const utf16 = secretOfString('Secret1!', 'utf16le');
    expect(utf16).toEqual(Buffer.from('Secret1!', 'utf16le'));
    expect(ownsItsMemory(utf16)).toBe(true);
    expect(secretOfString('a4f49c40', 'hex')).toEqual(Buffer.from([0xa4, 0xf4, 0x9c, 0x40]));
  });

  it('wipe and wipeAll zero bytes, words and numbers, and skip undefined', () => {
    const bytes = Buffer.from([1, 2, 3]);
    const words = Int32Array.of(-1, 7);
    const numbers = [9, 8];
    wipe(bytes, undefined, words, numbers);
    expect([...bytes, ...words, ...numbers]).toEqual([0, 0, 0, 0, 0, 0, 0]);
    const chunks = [Buffer.from([5]), Buffer.from([6, 7])];
    wipeAll(chunks);
    expect(chunks.map((c) => [...c])).toEqual([[0], [0, 0]]);
  });

  it('a user table keeps its NT hashes in secret memory and zeroes them on dispose', () => {
    const table = makeUserTable({ alice: 'Secret1!', bob: { ntHash: Buffer.alloc(16, 0xab) } });
    const hashes = [table.lookup('alice', 'X')!, table.lookup('bob', 'X')!];
    expect(hashes.every(ownsItsMemory)).toBe(true);
    expect(hashes[1].every((b) => b === 0xab)).toBe(true);
    table.dispose();
    expect(hashes.every((h) => h.every((b) => b === 0))).toBe(true);
  });
});
