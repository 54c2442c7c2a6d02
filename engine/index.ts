/**
 * Public surface of the engine: `runGraph` executes (or resumes) a quantum graph against a
 * repository. Its parts, kept apart: the ready queue (schedule/: Kahn's algorithm over the
 * graph's CSR arrays), the worker pool and the quantum executor (execute/: worker threads
 * that read inputs, run pure tasks and write files), the coordinator (run/: registry set-up,
 * resume and cleanup, batched registration, the run lock), and observers (observe/: event
 * log, progress bar, report, Gantt chart). The `qg run` and `qg report` commands are in
 * engine/cli/commands/run-commands.ts.
 */
export * from './errors.js';
export { integerProblem, timeoutProblem } from './option-problems.js';
export * from './schedule/ready-queue.js';
export { formatDataId } from './execute/task-body.js';
export { executeQuantum, type QuantumJob, type JobInput, type LogRecord, type QuantumMetadata, type QuantumOutcome, type QuantumSuccess, type QuantumFailure, type ExecutionContext } from './execute/quantum-executor.js';
export { WorkerPool, type WorkerPoolOptions } from './execute/worker-pool.js';
export { writeFiles, writePrepared, prepareFiles, flushFiles, type FileToWrite, type PreparedFile } from './execute/file-batch.js';
export { loadTaskLibrary, taskModuleUrl } from './execute/task-modules.js';
export { runGraph, type RunOptions, type QuantumSubset } from './run/run-graph.js';
export { RunCoordinator, type RunSummary, type FailedQuantum, type QuantumRunner, type CoordinatorContext, type CoordinatorSettings } from './run/run-coordinator.js';
export { GraphJobs, type QuantumOutput } from './run/graph-jobs.js';
export { OutputRegistrar, type Registration, type BatchStats } from './run/output-registrar.js';
export { lockRun, lockJob, jobFile, processStartTime, LOCK_FILE, JOBS_FOLDER, type RunLock } from './run/run-lock.js';
export { prepareRunState, registerRunCollections, writeConfigs, type RunState } from './run/run-state.js';
export * from './observe/run-events.js';
export * from './submit/index.js';
export { EventLogObserver, eventLogPath, readEventLog, runEventLogs, EVENT_LOG_FILE } from './observe/event-log-observer.js';
export { ReportObserver, reportFromEvents, percentile, type RunReport, type TaskReport } from './observe/report-observer.js';
export { ProgressObserver, formatDuration } from './observe/progress-observer.js';
export { ganttSvg, invocationsOf, type GanttOptions } from './observe/gantt-chart.js';
export { groupFailures, finalFailures, formatFailureGroups, type Failure, type FailureGroup } from './observe/failure-groups.js';
export { htmlRunReport, type HtmlReportInput } from './observe/html-report.js';
export { resolveReportRun, readRunEvents, reportFilePath, readQuantumLog } from './observe/run-history.js';
