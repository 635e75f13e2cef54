// ini and npm-registry-fetch ship no types; these are the parts sealpack calls.
declare module 'ini' {
  export function parse(text: string): Record<string, unknown>;
}
declare module 'npm-registry-fetch' {
  interface Fetch {
    (url: string, options: Record<string, unknown>): Promise<Response>;
    json(url: string, options: Record<string, unknown>): Promise<unknown>;
  }
  const fetch: Fetch;
  export default fetch;
}
