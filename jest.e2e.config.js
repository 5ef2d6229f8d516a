/** e2e suites: `*.e2e.ts`, against real NATS, Postgres and service processes (built into dist/). */
module.exports = {
  ...require('./jest.shared'),
  displayName: 'e2e',
  testMatch: ['<rootDir>/{apps,libs,tools}/**/*.e2e.ts'],
  testTimeout: 120_000,
  globalSetup: '<rootDir>/libs/testing/src/global-setup.ts',
  globalTeardown: '<rootDir>/libs/testing/src/global-teardown.ts',
  // A suite that leaks a handle must fail loudly, not hang the run (CI has a hard limit);
  // the global teardown also kills any service process a suite left behind.
  forceExit: true,
};
