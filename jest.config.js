/** Unit suite: model, renderers, components under mocks, policies, synth. Labs run separately (npm run lab). */
module.exports = {
    testEnvironment: "node",
    roots: ["<rootDir>/__tests__"],
    testMatch: ["**/*.test.ts"],
    // __tests__/packaged/ needs the labs' Debian packages (apache2 -t, php, postfix check, zabbix_agent2 -t, ACLs):
    // jest.packaged.config.js, npm run test:packaged.
    testPathIgnorePatterns: ["/node_modules/", "<rootDir>/labs/", "<rootDir>/__tests__/packaged/"],
    // swc transpiles each file on its own, as tsc's isolatedModules allows (tsconfig.json); type checking is tsc's job
    // (`npm test` runs tsc -p . first). With an empty transform cache (CI's fresh clone), __tests__/model took 19.8 s of
    // CPU with ts-jest (15.8 s with its cache warm) and 15.0 s with swc (docs/testing.md, "Speed").
    transform: {
        "^.+\\.ts$": ["@swc/jest", { jsc: { parser: { syntax: "typescript" }, target: "es2022" }, module: { type: "commonjs" } }],
    },
    // Modules the Pulumi SDK loads for its closure serializer only (no test uses it), loaded on first use instead:
    // ~0.7 s of CPU per test file that loads the SDK (__tests__/deferred/stand-in.ts).
    moduleNameMapper: {
        "^typescript$": "<rootDir>/__tests__/deferred/typescript.ts",
        "^@npmcli/arborist$": "<rootDir>/__tests__/deferred/@npmcli/arborist.ts",
        "^normalize-package-data$": "<rootDir>/__tests__/deferred/normalize-package-data.ts",
    },
    // Pulumi's mock runtime is process-global: each test file runs in its own worker module registry.
    maxWorkers: 2,
    testTimeout: 30000,
    // One synth per committed stack per run, shared by the test files through a folder made here (__tests__/synth/shared.ts).
    globalSetup: "<rootDir>/__tests__/synth-cache-setup.ts",
    globalTeardown: "<rootDir>/__tests__/synth-cache-teardown.ts",
};
