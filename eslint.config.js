// @ts-check
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", "dist/", "data/", "**/db/migrations/"] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      // zod's named `z` export carries all of its locales into every bundle (about 450 KB each); the
      // namespace import lets esbuild leave them out. Types may be imported either way.
      "no-restricted-syntax": [
        "error",
        {
          selector:
            "ImportDeclaration[source.value='zod'][importKind='value'] > ImportSpecifier[imported.name='z'][importKind='value']",
          message: 'Import zod as a namespace: import * as z from "zod" (the named z bundles every locale).',
        },
      ],
    },
  },
  {
    // Dependencies point one way: functions -> shared, never function -> function, never shared -> function.
    // (Suites under tests/ may import a function's config or handlers to cross-check it.)
    files: ["functions/**/*.ts", "shared/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: [
                "**/functions/*",
                "@bazaar/customer*",
                "@bazaar/inventory*",
                "@bazaar/order*",
                "@bazaar/payment*",
                "@bazaar/shipping*",
                "@bazaar/notification*",
                "@bazaar/gateway*",
                "@bazaar/dead-letters*",
              ],
              message: "Functions share code only through @bazaar/shared.",
            },
          ],
        },
      ],
    },
  },
  {
    // Tests read JSON answers loosely; a wrong shape fails the assertion that reads it.
    files: ["tests/**/*.ts", "**/*.test.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "off", "@typescript-eslint/no-non-null-assertion": "off" },
  },
);
