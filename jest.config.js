/** Unit suite: model, renderers, components under mocks, policies, synth. Labs run separately (npm run lab). */
module.exports = {
    preset: "ts-jest",
    testEnvironment: "node",
    roots: ["<rootDir>/__tests__"],
    testMatch: ["**/*.test.ts"],
    testPathIgnorePatterns: ["/node_modules/", "<rootDir>/labs/"],
    transform: { "^.+\\.ts$": ["ts-jest", { diagnostics: false }] },
    // Pulumi's mock runtime is process-global: each test file runs in its own worker module registry.
    maxWorkers: 2,
    testTimeout: 30000,
    // One synth per committed stack per run, shared by the test files through a folder made here (__tests__/synth/shared.ts).
    globalSetup: "<rootDir>/__tests__/synth-cache-setup.ts",
    globalTeardown: "<rootDir>/__tests__/synth-cache-teardown.ts",
};
