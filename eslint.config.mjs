// Lint: typescript-eslint's recommended rules, plus the habits of STYLE.md that a linter can hold. No Output in a
// template literal: restrict-template-expressions (type-aware) refuses any object there, and Output<T> is one.
import tseslint from "typescript-eslint";

export default tseslint.config(
    { ignores: ["node_modules/", "dist/", "out/", "coverage/", "lab-work/", "**/*.js", "**/*.mjs", "**/*.cjs"] },
    ...tseslint.configs.recommended,
    {
        languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
        rules: {
            "@typescript-eslint/no-explicit-any": "off",
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
            "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true, allowBoolean: true, allowNullish: true }],
        },
    },
);
