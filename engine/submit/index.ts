/**
 * Running on a cluster (Slurm): quanta clustered into jobs with an acyclic job graph, job
 * scripts that run `qg run-quanta`, sbatch calls with afterok dependencies (roots as job
 * arrays), status from the registry, the queue and the jobs' exit statuses, cancel, resume.
 */
export * from './quantum-list.js';
export * from './job-graph.js';
export * from './job-clustering.js';
export * from './sbatch-calls.js';
export * from './job-scripts.js';
export * from './slurm-client.js';
export * from './submission.js';
export * from './submission-status.js';
