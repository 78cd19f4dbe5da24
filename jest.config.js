/**
 * Jest runs CommonJS: the TypeScript (and the ESM-only middy) is compiled to it here. Jest loads ESM
 * by require only under `--experimental-vm-modules`, even on Node 24: decision 50.
 */
const commonJs = {
  module: 'commonjs',
  moduleResolution: 'node10',
  target: 'ES2022',
  esModuleInterop: true,
  resolveJsonModule: true,
  isolatedModules: true,
  strict: true,
};

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    // Type checking is `npm run typecheck`; tests only transpile, which keeps them fast.
    // The global setup runs outside Jest's module system and keeps a real import() for ESM-only fauxqs.
    '/test/global-setup\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
    '^.+\\.ts$': ['ts-jest', { tsconfig: commonJs }],
    '^.+/node_modules/@middy/.+\\.js$': ['ts-jest', { tsconfig: { ...commonJs, allowJs: true } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!@middy/)'],
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  setupFilesAfterEnv: ['aws-sdk-client-mock-jest', '<rootDir>/test/secret-guard.ts'],
  testTimeout: 30000,
};
