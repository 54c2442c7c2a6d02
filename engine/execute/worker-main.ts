/**
 * The worker side of the pool: loads the task library, then runs the quanta it is sent,
 * one at a time, and posts each outcome back (and the process group of a command task's
 * shell when it starts). Holds no registry connection.
 */
import { parentPort, workerData } from 'node:worker_threads';
// The datastore's surface, not registry/index.js: a worker needs no database drivers,
// and every worker thread pays for what it imports at start-up.
import { Datastore } from '../../registry/datastore/index.js';
import { errorInfo } from '../errors.js';
import { loadTaskLibrary } from './task-modules.js';
import { executeQuantum, type QuantumJob } from './quantum-executor.js';
import type { WorkerBoot, WorkerReply, WorkerRequest } from './worker-protocol.js';

/**
 * Loads the task library, calls `loaded` (the bootstrap saves the code cache there: a pool
 * may end the thread as soon as it is ready), says it is ready, then serves the pool's
 * requests until the thread ends.
 */
export async function runWorker(loaded: () => void = () => {}): Promise<void> {
  const boot = workerData as WorkerBoot;
  const port = parentPort!;
  try {
    const library = await loadTaskLibrary(boot.taskModules);
    const ctx = { datastore: new Datastore(boot.root, boot.template), library, worker: boot.slot };
    loaded();
    port.on('message', (message: WorkerRequest) => {
      if (message.type !== 'run') return;
      const job: QuantumJob = message.job;
      const onCommand = (group: number) => port.postMessage({ type: 'command', id: message.id, group } satisfies WorkerReply);
      void executeQuantum(job, { ...ctx, onCommand }).then((outcome) => port.postMessage({ type: 'done', id: message.id, outcome } satisfies WorkerReply));
    });
    port.postMessage({ type: 'ready', tasks: [...library.values()].map((t) => ({ name: t.name, runnable: typeof t.run === 'function' })) } satisfies WorkerReply);
  } catch (e) {
    port.postMessage({ type: 'boot-failed', error: errorInfo(e, 'WORKER_START') } satisfies WorkerReply);
  }
}
