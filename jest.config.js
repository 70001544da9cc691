/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  // tsconfig.json sets isolatedModules, so ts-jest only transpiles: type checking runs once in
  // `pretest` (tsc --noEmit) instead of per test file, which made the suite several times slower.
  transform: { '^.+\\.ts$': 'ts-jest' },
  // Integration tests print real PDFs with one Chromium per test file; two workers match the two
  // cores this project is sized for and keep peak memory well under a gigabyte.
  maxWorkers: 2,
  testTimeout: 60000,
};
