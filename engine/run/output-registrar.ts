/**
 * Batched registration of quantum outputs (group commit): finished quanta queue up while a
 * registration transaction runs or for at most `maxDelayMs` while workers have other work;
 * a transaction starts at once when `batchSize` quanta are queued or when `flushNow` says
 * the run is waiting for it (idle workers, nothing ready). All of a quantum's datasets are in the same
 * transaction as its metadata, so a quantum is registered entirely or not at all. A batch
 * that fails is retried once, then its quanta are registered one by one so that only the
 * culprit fails. Writers on other nodes may register into the same run at the same time
 * (Slurm jobs): a transaction that deadlocks with theirs runs again (`Registry.transaction`).
 * Before each transaction the batch's files are flushed to disk together, so a registered
 * dataset's file survives a crash of the machine too.
 */
import type { DatasetRef, Repository, StoredFile } from '../../registry/index.js';
import { flushFiles } from '../execute/file-batch.js';

/** One quantum's datasets to register (files already written), with what to do after. */
export interface Registration {
  readonly quantum: number;
  /** Parallel: the datasets and their files. */
  readonly refs: readonly DatasetRef[];
  readonly files: readonly StoredFile[];
  readonly committed: () => void;
  readonly failed: (error: Error) => void;
}

/** Statistics of one committed batch. */
export interface BatchStats {
  readonly quanta: number;
  readonly datasets: number;
  readonly seconds: number;
}

/** The registrar of one run. */
export class OutputRegistrar {
  private queue: Registration[] = [];
  private flushing: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private urgent = false;

  constructor(
    private readonly repo: Repository,
    private readonly run: string,
    private readonly batchSize: number,
    private readonly onBatch: (stats: BatchStats) => void = () => {},
    /** Called whenever a transaction ends and nothing else is queued. */
    private readonly onIdle: () => void = () => {},
    /** Longest wait for more quanta before a transaction starts when nobody is waiting for it. */
    private readonly maxDelayMs = 20,
  ) {}

  /** Nothing queued and no transaction running. */
  get idle(): boolean {
    return this.queue.length === 0 && this.flushing === null;
  }

  /** Queues a quantum's datasets; they are registered soon (see the class comment). */
  add(r: Registration): void {
    this.queue.push(r);
    this.kick();
  }

  /** The run is waiting for registrations: start a transaction as soon as none is running. */
  flushNow(): void {
    this.urgent = true;
    this.kick();
  }

  /** Resolves when everything queued so far (and queued meanwhile) is registered or failed. */
  async drain(): Promise<void> {
    while (!this.idle) {
      this.urgent = true;
      this.kick();
      if (this.flushing) await this.flushing;
    }
  }

  private kick(): void {
    if (this.flushing || this.queue.length === 0) return;
    if (!this.urgent && this.queue.length < this.batchSize) {
      this.timer ??= setTimeout(() => {
        this.timer = null;
        this.urgent = true;
        this.kick();
      }, this.maxDelayMs);
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.urgent = false;
    const batch = this.queue.splice(0, this.batchSize);
    this.flushing = this.flush(batch).finally(() => {
      this.flushing = null;
      this.kick();
      if (this.idle) this.onIdle();
    });
  }

  private async flush(batch: Registration[]): Promise<void> {
    const start = performance.now();
    let error: Error | null = null;
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await this.register(batch);
        error = null;
        break;
      } catch (e) {
        error = e as Error;
        if (attempt === 0) await new Promise((r) => setTimeout(r, 50));
      }
    }
    if (!error) {
      this.onBatch({ quanta: batch.length, datasets: batch.reduce((n, r) => n + r.refs.length, 0), seconds: (performance.now() - start) / 1000 });
      for (const r of batch) r.committed();
      return;
    }
    if (batch.length === 1) {
      batch[0]!.failed(error);
      return;
    }
    for (const r of batch) {
      try {
        await this.register([r]);
        this.onBatch({ quanta: 1, datasets: r.refs.length, seconds: 0 });
        r.committed();
      } catch (e) {
        r.failed(e as Error);
      }
    }
  }

  /** Flushes the files, then one transaction: datasets grouped by type (one insert per type), then the file records. */
  private async register(batch: readonly Registration[]): Promise<void> {
    const registry = this.repo.registry;
    await flushFiles(batch.flatMap((r) => r.files.map((f) => this.repo.datastore.pathOf(f))));
    const byType = new Map<string, { dataIds: DatasetRef['dataId'][]; ids: string[] }>();
    const files: StoredFile[] = [];
    for (const r of batch) {
      r.refs.forEach((ref, i) => {
        let entry = byType.get(ref.datasetType);
        if (!entry) byType.set(ref.datasetType, (entry = { dataIds: [], ids: [] }));
        entry.dataIds.push(ref.dataId);
        entry.ids.push(ref.id);
        files.push(r.files[i]!);
      });
    }
    await registry.transaction(async (tx) => {
      // Types in name order: concurrent writers take the summary rows' locks in one order.
      for (const type of [...byType.keys()].sort()) {
        const { dataIds, ids } = byType.get(type)!;
        await registry.datasets.insert(type, this.run, dataIds, tx, ids);
      }
      await this.repo.insertFileRecords(files, tx);
    });
  }
}
