// Jest runs tests in a vm context whose Symbol lacks Node's Symbol.asyncDispose, which TypeScript's
// `await using` helper needs. Node itself defines it as the registry symbol below.
const symbols = Symbol as unknown as { asyncDispose?: symbol; dispose?: symbol };
symbols.asyncDispose ??= Symbol.for('nodejs.asyncDispose');
symbols.dispose ??= Symbol.for('nodejs.dispose');
