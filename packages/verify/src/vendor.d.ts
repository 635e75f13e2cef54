// ini ships no types; this is the part sealpack calls.
declare module 'ini' {
  export function parse(text: string): Record<string, unknown>;
}
