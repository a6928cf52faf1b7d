// @ts-check
import js from "@eslint/js";
import { createNodeResolver, importX } from "eslint-plugin-import-x";
import tseslint from "typescript-eslint";

/** Every function's package, for the layer rules below. */
const FUNCTION_PACKAGES = [
  "@bazaar/customer*",
  "@bazaar/inventory*",
  "@bazaar/order*",
  "@bazaar/payment*",
  "@bazaar/shipping*",
  "@bazaar/notification*",
  "@bazaar/gateway*",
  "@bazaar/dead-letters*",
];
const notAFunction = {
  group: ["**/functions/*", ...FUNCTION_PACKAGES],
  message: "Functions share code only through @bazaar/shared.",
};
const notTheBroker = {
  group: ["@bazaar/broker", "@bazaar/broker/*"],
  message: "The dev broker is a program beside the functions, not a library.",
};
/** The index gathers every function's API schemas for the gateway's docs; a bundle that imports it builds all seven. */
const everyApi = {
  name: "@bazaar/shared/api",
  message: "Import the API module you use (@bazaar/shared/api/<function>); only the gateway needs them all.",
};
/** Layers: shared/ and the broker never import a function, functions never each other nor the broker. */
const layers = (patterns, paths = []) => ({ "no-restricted-imports": ["error", { patterns, paths }] });

/** Where a package may import its devDependencies: its tests, test support and build configuration. */
const DEV_FILES = ["**/*.test.ts", "**/*.test.tsx", "**/testing.ts", "**/testing/**", "**/drizzle.config.ts"];

export default tseslint.config(
  { ignores: ["node_modules/", "dist/", "data/", "**/db/migrations/"] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    plugins: { "import-x": importX },
    settings: {
      "import-x/resolver-next": [
        createNodeResolver({ extensions: [".ts", ".tsx", ".js", ".json", ".node"] }),
      ],
      "import-x/internal-regex": "^@bazaar/",
      // Without these, the cycle check skips every .ts file it follows an import into.
      "import-x/extensions": [".ts", ".tsx", ".js"],
      "import-x/parsers": { "@typescript-eslint/parser": [".ts", ".tsx"] },
    },
    rules: {
      // Node's modules, then packages, then Bazaar's, then this package's own files.
      "import-x/order": [
        "error",
        {
          groups: ["builtin", "external", "internal", ["parent", "sibling", "index"]],
          "newlines-between": "never",
          alphabetize: { order: "asc", caseInsensitive: true },
        },
      ],
      "import-x/no-duplicates": "error",
      "import-x/no-cycle": ["error", { ignoreExternal: true }],
    },
  },
  {
    // A package imports what its package.json declares, and no other package's files by a relative path.
    files: ["shared/**", "broker/**", "functions/**"],
    rules: {
      "import-x/no-extraneous-dependencies": ["error", { devDependencies: DEV_FILES, includeTypes: true }],
      "import-x/no-relative-packages": "error",
    },
  },
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
  // Dependencies point one way: functions -> shared, never function -> function, never shared -> function;
  // the broker uses shared like a function does. (Suites under tests/ may import anything to cross-check it.)
  { files: ["functions/**"], rules: layers([notAFunction, notTheBroker], [everyApi]) },
  { files: ["functions/gateway/**"], rules: layers([notAFunction, notTheBroker]) },
  // A function's tests may start the dev broker's code (dead-letters reads the Trigger manifests with it).
  { files: DEV_FILES.map((glob) => `functions/${glob}`), rules: layers([notAFunction]) },
  { files: ["shared/**"], rules: layers([notAFunction, notTheBroker]) },
  { files: ["broker/**"], rules: layers([notAFunction]) },
  {
    // Tests read JSON answers loosely; a wrong shape fails the assertion that reads it.
    files: ["tests/**/*.ts", "**/*.test.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "off", "@typescript-eslint/no-non-null-assertion": "off" },
  },
);
