// ESLint for the dashboard: `npm run lint` (tox's lint env, `make test` and pre-commit run it).
// Any finding fails, warnings included (--max-warnings 0), so a rule set to "warn" upstream
// (react-hooks/exhaustive-deps among them) still stops a commit.
import js from "@eslint/js";
import { defineConfig } from "eslint/config";
import reactHooks from "eslint-plugin-react-hooks";
import reactRefresh from "eslint-plugin-react-refresh";
import globals from "globals";
import tseslint from "typescript-eslint";

export default defineConfig(
  { ignores: ["dist/", "node_modules/"] },
  js.configs.recommended,
  // Type-aware: the rules that need the types (floating promises, misused promises, unsafe
  // `any`) find the bugs a React app has most, and ~70 files check in a few seconds.
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ["*.js", "scripts/*.mjs"] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // React drops what an event handler returns, so an async onClick or onSubmit is the
      // idiom; the risk the rule guards against, an unhandled rejection, is each handler's
      // own try/catch. Promises passed anywhere else are still checked.
      "@typescript-eslint/no-misused-promises": ["error", { checksVoidReturn: { attributes: false } }],
    },
  },
  {
    files: ["src/**/*.{ts,tsx}"],
    languageOptions: { globals: globals.browser },
    ...reactHooks.configs.flat["recommended-latest"],
    rules: {
      ...reactHooks.configs.flat["recommended-latest"].rules,
      "react-hooks/exhaustive-deps": "error",
    },
  },
  {
    // Vite's hot reload keeps a component's state only when its module exports nothing but
    // components: helpers and hooks live in lib/ (or a .ts module) instead.
    files: ["src/**/*.tsx"],
    ignores: ["src/**/*.test.tsx", "src/test/**"],
    ...reactRefresh.configs.vite,
  },
  {
    // Node-side files: the build's size check and this configuration.
    files: ["*.js", "scripts/*.mjs"],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { ...tseslint.configs.disableTypeChecked.languageOptions, globals: globals.node },
  },
);
