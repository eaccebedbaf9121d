/**
 * RecordPipe is the stream a TLSSocket reads records from and writes records to. What the engine
 * relies on: delivery is synchronous while TLS reads, held (in order) while it does not, and a
 * destroyed pipe takes and gives nothing.
 */
import { RecordPipe } from '../../lib/emulated/tls/node-internals/record-pipe';

function nextTick(): Promise<void> {
  return new Promise((resolve) => process.nextTick(resolve));
}

describe('RecordPipe', () => {
  it('hands records to a reader at once, and holds them in order while it is paused', async () => {
    const pipe = new RecordPipe(() => undefined);
    const seen: string[] = [];
    pipe.on('data', (chunk: Buffer) => seen.push(chunk.toString()));

    pipe.resume();
    pipe.deliver(Buffer.from('a'));
    expect(seen).toEqual(['a']);

    pipe.pause();
    pipe.deliver(Buffer.from('b'));
    pipe.deliver(Buffer.from('cd'));
    expect(seen).toEqual(['a']);
    expect(pipe.readableLength).toBe(3);

    // Not from inside resume(): TLSWrap calls it and must not be re-entered with data.
    pipe.resume();
    expect(seen).toEqual(['a']);
    // A record delivered meanwhile queues behind the held ones.
    pipe.deliver(Buffer.from('e'));
    await nextTick();
    expect(seen).toEqual(['a', 'b', 'cd', 'e']);
    expect(pipe.readableLength).toBe(0);
  });

  it('passes every write to its owner and completes it at once', () => {
    const written: Buffer[] = [];
    const pipe = new RecordPipe((chunk) => written.push(chunk));
    const done = jest.fn();
    expect(pipe.write(Buffer.from('record'), done)).toBe(true);
    expect(done).toHaveBeenCalledWith(null);
    expect(written.map(String)).toEqual(['record']);
  });

  it('once destroyed, drops held records, takes no more, and emits close once', async () => {
    const written: Buffer[] = [];
    const pipe = new RecordPipe((chunk) => written.push(chunk));
    const data = jest.fn();
    const close = jest.fn();
    pipe.on('data', data);
    pipe.on('close', close);
    pipe.deliver(Buffer.from('held'));
    pipe.destroy();
    pipe.destroy();
    pipe.resume();
    pipe.deliver(Buffer.from('late'));
    const done = jest.fn();
    pipe.write(Buffer.from('late write'), done);
    await nextTick();
    await nextTick();
    expect(data).not.toHaveBeenCalled();
    expect(written).toEqual([]);
    // The writer still hears back, so JSStreamSocket does not wait for a write forever.
    expect(done).toHaveBeenCalled();
    expect(close).toHaveBeenCalledTimes(1);
    expect(pipe.readable || pipe.writable).toBe(false);
  });
});
