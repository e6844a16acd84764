import { connect, type Socket } from 'node:net';
import { Worker } from 'node:worker_threads';
import { bindError } from '../errors.js';
import { clientAddress } from '../address.js';
import { Type } from 'typebox';
import { defineMechanism } from './define-mechanism.js';
import type { PortOwner } from './mechanism.js';

/** `params` of the `connect-timeout` mechanism. */
export const ConnectTimeoutParams = Type.Object(
  {
    /** listen(2) backlog of the never-drained socket; Linux queues backlog + 1 connections (default 1). */
    backlog: Type.Optional(Type.Integer({ minimum: 0, maximum: 16 })),
  },
  { additionalProperties: false },
);

/**
 * The worker: binds and listens, reports the port, then blocks its thread in Atomics.wait so its event loop never
 * polls again and libuv never calls accept(2). It wakes only when the farm closes the listener. CommonJS, run with
 * `eval`, so that it needs no build step under tsx or from dist/.
 */
const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const net = require('node:net');
const server = net.createServer();
server.on('error', (error) => parentPort.postMessage({ error: error.code || error.message }));
server.listen({ host: workerData.host, port: workerData.port, backlog: workerData.backlog, exclusive: true }, () => {
  parentPort.postMessage({ port: server.address().port });
  Atomics.wait(new Int32Array(workerData.stop), 0, 0);
  server.close();
  parentPort.close();
});
`;

/** Opens one connection and resolves true when the TCP handshake completes within `ms`, false otherwise. */
function handshake(host: string, port: number, ms: number, keep: Socket[]): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    keep.push(socket);
    socket.on('error', () => resolve(false));
    const timer = setTimeout(() => resolve(false), ms);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/**
 * `connect-timeout`: SYNs are never answered, so the TCP handshake itself never completes (Fastly "connection timed
 * out", fastly-generated-errors § Errors in VCL). A socket listens in a worker thread that never runs its event loop
 * again, so its accept queue is never drained; the farm fills that queue with its own connections, and Linux then
 * drops every further SYN (the listen-overflow path), which clients retry until their connect timeout. Needs no
 * root and no firewall rule.
 */
export const connectTimeoutMechanism = defineMechanism({
  name: 'connect-timeout',
  transport: 'tcp',
  params: ConnectTimeoutParams,
  create(params, context): PortOwner {
    const stop = new SharedArrayBuffer(4);
    const fillers: Socket[] = [];
    let worker: Worker | null = null;
    return {
      async listen(host, port) {
        const backlog = params.backlog ?? 1;
        worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { host, port, backlog, stop } });
        const message = await new Promise<{ port?: number; error?: string }>((resolve) => {
          worker!.once('message', resolve);
          worker!.once('error', (error) => resolve({ error: error.message }));
        });
        if (message.error !== undefined || message.port === undefined) {
          await this.close();
          throw bindError(`port ${port} on ${host} (listener ${context.id})`, { code: message.error, message: 'no port' });
        }
        // Fill the accept queue (backlog + 1 entries on Linux) with connections nobody will ever accept.
        const target = clientAddress(host);
        for (let i = 0; i <= backlog; i++) {
          if (!(await handshake(target, message.port, 2000, fillers))) break;
        }
        return message.port;
      },
      async close() {
        for (const socket of fillers) socket.destroy();
        fillers.length = 0;
        if (!worker) return;
        const exited = new Promise((resolve) => worker!.once('exit', resolve));
        Atomics.store(new Int32Array(stop), 0, 1);
        Atomics.notify(new Int32Array(stop), 0);
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
        await worker.terminate();
        worker = null;
      },
    };
  },
});
