/** Unit and property tests: `*.spec.ts` next to the code; no network, no child processes. */
module.exports = {
  ...require('./jest.shared'),
  displayName: 'unit',
  testMatch: ['<rootDir>/{apps,libs,tools}/**/*.spec.ts'],
};
