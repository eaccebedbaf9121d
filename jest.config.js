/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // The Wine suite cross-builds and boots Wine: `npm run test:wine` runs it on its own.
  testPathIgnorePatterns: ['/node_modules/', '/test/wine/', '/test/windows/'],
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  setupFiles: ['<rootDir>/test/setup-symbols.ts'],
  testTimeout: 30000,
};
