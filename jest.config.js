/** Transpile-only ts-jest: `npm run typecheck` (part of lint and build) owns type errors, so tests stay fast on 2 cores. */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/src", "<rootDir>/nodes", "<rootDir>/connections", "<rootDir>/test", "<rootDir>/testbed"],
  testMatch: ["**/*.test.ts"],
  // Plain http to the loopback sandbox/emulator is allowed only in dev mode (src/cxone/secure-url.ts).
  setupFiles: ["<rootDir>/test/support/dev-mode.ts"],
  transform: {
    "^.+\\.ts$": ["ts-jest", { diagnostics: false }],
    // Fastify's inject (light-my-request) requires cookie 2, which ships ESM only: jest on Node 20 cannot load it.
    "/node_modules/cookie/dist/.+\\.js$": ["ts-jest", { diagnostics: false, tsconfig: { allowJs: true } }],
  },
  transformIgnorePatterns: ["/node_modules/(?!cookie/dist/)"],
  testTimeout: 20000,
  // Every test closes its servers, but a lingering socket in a dependency (ioredis, undici keep-alive) must never
  // turn a green run into a CI hang; `npx jest --detectOpenHandles` is how leaks are hunted.
  forceExit: true,
};
