/** dynalite ships no types: the part the tests use. */
declare module 'dynalite' {
  import type { Server } from 'node:net';
  interface DynaliteOptions {
    /** LevelDB directory; absent: in memory. */
    path?: string;
    createTableMs?: number;
    deleteTableMs?: number;
    updateTableMs?: number;
  }
  export default function dynalite(options?: DynaliteOptions): Server;
}
