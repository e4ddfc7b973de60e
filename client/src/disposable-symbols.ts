// The client's handles work with `using` (`Symbol.dispose`, `Symbol.asyncDispose`), so its
// published declarations name those symbols. A browser project whose TypeScript lib predates them
// (say `lib: ["es2022", "dom"]`, without @types/node) would then fail to check our .d.ts files.
// Declared here the way @types/node declares them: this merges with TypeScript's own lib where it
// has them and fills in where it does not. table-handle.ts imports it, and every client-facing
// declaration reaches table-handle.d.ts.
declare global {
  interface SymbolConstructor {
    readonly dispose: unique symbol;
    readonly asyncDispose: unique symbol;
  }
}

export {};
