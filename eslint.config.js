// ESLint, type-aware (typescript-eslint's recommendedTypeChecked), for src/, test/, bench/, scripts/
// and web/ (the browser app: its own web/tsconfig.json with DOM types, and the hooks rules).
// Formatting is Prettier's (npm run format:check), so no stylistic rule is enabled here.
import js from "@eslint/js";
import globals from "globals";
import reactHooks from "eslint-plugin-react-hooks";
import tseslint from "typescript-eslint";

export default tseslint.config(
  // web/dist/ is Vite's build output.
  { ignores: ["dist/", "web/dist/", "node_modules/", "src/db/generated/", "src/graphql/generated/", "coverage/"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
      // Apollo's plugin hooks are async by their interface; an async function without await is fine.
      "@typescript-eslint/require-await": "off",
      // Our rethrown errors carry the words users see; attaching `cause` would change what the CLI
      // and logs print. Where the cause matters the message already names it.
      "preserve-caught-error": "off",
      // Providers' JSON is `unknown` by type; String() of it is the intended conversion there.
      "@typescript-eslint/no-base-to-string": "off",
    },
  },
  {
    files: ["src/**/*.ts"],
    rules: {
      "max-lines-per-function": ["error", { max: 60, skipBlankLines: true, skipComments: true, IIFEs: true }],
    },
  },
  {
    // Tests and the bench read JSON answers (HTTP bodies, CLI output): `any` is their nature there,
    // and an assertion on a wrong shape fails the test anyway.
    files: ["test/**/*.ts", "bench/**/*.ts"],
    rules: {
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-return": "off",
    },
  },
  {
    // The browser app (Preact): DOM globals, its files typed by web/tsconfig.json (the project
    // service picks the nearest tsconfig), and the Rules of Hooks, which Preact's hooks follow too.
    files: ["web/src/**/*.{ts,tsx}"],
    ...reactHooks.configs.flat.recommended,
    languageOptions: { globals: globals.browser },
  },
  {
    files: ["**/*.js", "**/*.mjs"],
    ...tseslint.configs.disableTypeChecked,
  },
);
