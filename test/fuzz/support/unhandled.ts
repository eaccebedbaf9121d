import Module from 'node:module';

/**
 * Fails each test after which a promise rejected unhandled. Jest hands each test file its own
 * copy of `process`, while Node emits 'unhandledRejection' on the real one: reach it through the
 * module loader. Call once at the top level of a test file.
 */
export function failOnUnhandledRejections(): void {
  const realProcess = (
    Module as unknown as { _load(request: string, parent: null, isMain: boolean): NodeJS.Process }
  )._load('process', null, false);
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  beforeAll(() => realProcess.on('unhandledRejection', onUnhandled));
  afterAll(() => realProcess.off('unhandledRejection', onUnhandled));
  afterEach(() => {
    const reasons = unhandled.splice(0);
    if (reasons.length > 0) {
      throw new Error(
        `unhandled rejections: ${reasons.map((r) => (r instanceof Error ? r.stack : String(r))).join('\n')}`,
      );
    }
  });
}
