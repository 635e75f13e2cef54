import type { Logger } from '@sealpack/diagnostics';

/**
 * A progress line at most every 100 ms: a terminal redraw per package would cost more than
 * some packages take to verify. The message is made only when it is shown.
 */
export function throttledProgress(logger: Logger): (message: () => string) => void {
  let shown = 0;
  return (message) => {
    if (!logger.progress || Date.now() - shown <= 100) return;
    shown = Date.now();
    logger.progress(message());
  };
}
