import { createServer } from 'node:net';

/**
 * A TCP port that is free on 127.0.0.1 right now: listen on port 0, read the port the OS picked, close.
 * Another process may take it before the caller binds it, so callers that spawn a server on it should
 * retry with a new port when the bind fails.
 */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1', exclusive: true }, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close(() => reject(new Error('Could not read the port of a 127.0.0.1 listener')));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
