/** semver ships no types: the part the tests use (the package is CommonJS: one default export). */
declare module 'semver' {
  interface Semver {
    satisfies(version: string, range: string): boolean;
    /** True when every version `sub` allows is also allowed by `dom`. */
    subset(sub: string, dom: string): boolean;
    /** The lowest version the range allows (null: none). */
    minVersion(range: string): { major: number; version: string } | null;
    valid(version: string): string | null;
  }
  const semver: Semver;
  export default semver;
}
