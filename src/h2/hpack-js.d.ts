// The part of hpack.js (which ships no types) that src/h2/hpack.ts uses.
declare module 'hpack.js' {
  interface HeaderEntry {
    name: string;
    value: string;
    neverIndex?: boolean;
    huffman?: boolean;
    incremental?: boolean;
  }
  interface Stream {
    on(event: 'error', listener: (error: Error) => void): void;
  }
  interface Compressor extends Stream {
    write(headers: HeaderEntry[]): boolean;
    read(): Buffer | null;
  }
  interface Decompressor extends Stream {
    write(block: Buffer): boolean;
    execute(): void;
    read(): HeaderEntry | null;
  }
  const hpack: {
    compressor: { create(options: { table: { size: number } }): Compressor };
    decompressor: { create(options: { table: { size: number } }): Decompressor };
  };
  export default hpack;
}
