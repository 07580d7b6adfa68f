// ESLint for the browser code in static/js and its unit tests in tests/js (`npm run lint`).
// The rules catch real mistakes; formatting and style are left alone.
import js from "@eslint/js";
import globals from "globals";

export default [
  {
    ignores: ["node_modules/", "static/vendor/", ".venv/", "test-artifacts/", "build/", "dist/"],
  },
  js.configs.recommended,
  {
    files: ["static/js/**/*.js"],
    languageOptions: {
      ecmaVersion: "latest",
      sourceType: "module",
      globals: {
        ...globals.browser,
        // socket.io-client, loaded by a classic <script> tag before the modules.
        io: "readonly",
      },
    },
  },
  {
    files: ["tests/js/**/*.mjs", "eslint.config.mjs"],
    languageOptions: {
      ecmaVersion: "latest",
      sourceType: "module",
      globals: { ...globals.node },
    },
  },
  {
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      // Mistakes that still run: a name never used, a loose comparison, a stray global.
      "no-unused-vars": ["error", { args: "after-used", caughtErrors: "none", ignoreRestSiblings: true }],
      eqeqeq: ["error", "smart"],
      "no-implicit-globals": "error",
      "prefer-const": ["error", { destructuring: "all" }],
      "no-var": "error",
      // Same-scope use before `const`/`let` throws at run time; use inside a later callback is fine.
      "no-use-before-define": ["error", { functions: false, classes: true, variables: false }],
      "no-self-compare": "error",
      "no-template-curly-in-string": "error",
      "no-unmodified-loop-condition": "error",
      "no-unreachable-loop": "error",
      "array-callback-return": "error",
      "no-constructor-return": "error",
      "default-case-last": "error",
      "no-return-assign": "error",
      "no-sequences": "error",
      "no-throw-literal": "error",
      "no-eval": "error",
      "no-implied-eval": "error",
      "no-new-func": "error",
      radix: "error",
    },
  },
];
