import { createServer } from 'node:net';
import { Type } from 'typebox';
import { defineMechanism } from './define-mechanism.js';
import type { PortOwner } from './mechanism.js';

/** Binds `host:port` and releases it at once; resolves with the port (useful for port 0), or the bind error's code. */
function probeBind(host: string, port: number): Promise<{ port: number } | { code: string }> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => resolve({ code: error.code ?? 'ERROR' }));
    server.listen({ host, port, exclusive: true }, () => {
      const bound = (server.address() as { port: number }).port;
      server.close(() => resolve({ port: bound }));
    });
  });
}

/**
 * `connection-refused`: the port is reserved in the manifest and nothing listens there, so the kernel answers every
 * SYN with an RST (ECONNREFUSED; Fastly "Connection refused", fastly-generated-errors § Errors in VCL). At start the
 * farm checks the port is free; when another process holds it, the listener carries a warning (manifest `warning`
 * and the terminal) instead of failing the farm, since then nothing the farm does can make it refuse.
 */
export const refuseMechanism = defineMechanism({
  name: 'refuse',
  transport: 'tcp',
  params: Type.Object({}, { additionalProperties: false }),
  create(): PortOwner {
    const owner: PortOwner = {
      async listen(host, port) {
        const result = await probeBind(host, port);
        if ('port' in result) return result.port;
        owner.warning = `port ${port} is held by another process (${result.code}): connections there are not refused by the farm`;
        return port;
      },
      close: async () => undefined,
    };
    return owner;
  },
});
