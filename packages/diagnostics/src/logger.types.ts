/** Libraries never print: they report progress through an injected logger. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  /** A transient progress line (a TTY may overwrite it). */
  progress?(message: string): void;
}
