/** Transpile-only ts-jest: `npm run typecheck` (part of lint and build) owns type errors, so tests stay fast on 2 cores. */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/src", "<rootDir>/nodes", "<rootDir>/connections", "<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": ["ts-jest", { diagnostics: false }] },
  testTimeout: 20000,
};
