/** Runs a handler's promise under a Lambda-like timeout (same message as Lambda's). */
export async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        // unref: an abandoned handler that never settles must not keep the process alive.
        timer = setTimeout(
          () => reject(new Error(`Task timed out after ${(ms / 1000).toFixed(2)} seconds`)),
          ms,
        ).unref();
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
