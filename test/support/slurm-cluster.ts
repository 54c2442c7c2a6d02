/**
 * A throwaway single-node Slurm cluster for tests, from Debian's slurm-wlm and munge packages:
 * munged (as the munge user, unless one already answers), one slurmctld and one slurmd on
 * 127.0.0.1 under the short hostname, no systemd and no cgroups (proctrack/linuxproc,
 * task/none, jobacct_gather/none), everything in a temporary folder, each daemon in the
 * foreground as our child so that `stop` ends exactly those by PID. The node claims more CPUs
 * than the machine has (config_overrides), so several one-CPU jobs run at once.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';

/** A running cluster: clients find it through SLURM_CONF. */
export interface SlurmCluster {
  readonly conf: string;
  readonly partition: string;
  /** Seconds from the start to an idle node. */
  readonly startSeconds: number;
  stop(): Promise<void>;
}

/** Why Slurm cannot start here, or null (its programs are installed). */
export function slurmMissing(): string | null {
  for (const p of ['/usr/sbin/slurmctld', '/usr/sbin/slurmd', '/usr/sbin/munged', '/usr/bin/sbatch']) {
    if (!existsSync(p)) return `${p} is missing: install Debian's slurm-wlm and munge (apt-get install -y slurm-wlm munge, as .ci/run does)`;
  }
  return null;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function mungeAnswers(): boolean {
  try {
    execFileSync('sh', ['-c', 'munge -n | unmunge'], { stdio: 'ignore', timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

/** Starts `program` in the foreground as our child, its output in `log`. */
function daemon(program: string, args: string[], log: string, env: NodeJS.ProcessEnv, user: { uid?: number; gid?: number } = {}): ChildProcess {
  const fd = openSync(log, 'a');
  const child = spawn(program, args, { stdio: ['ignore', fd, fd], env, detached: true, ...user });
  child.unref();
  return child;
}

async function waitFor(what: string, ok: () => boolean, seconds: number, logs: readonly string[]): Promise<void> {
  const until = Date.now() + seconds * 1000;
  while (!ok()) {
    if (Date.now() > until) {
      const tails = logs.filter(existsSync).map((l) => `--- ${l}\n${readFileSync(l, 'utf8').split('\n').slice(-15).join('\n')}`).join('\n');
      throw new Error(`Slurm test cluster: ${what} did not happen within ${seconds} s\n${tails}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Cancels every job of the cluster and waits (up to 20 s) until the queue is empty, so that no job step outlives the daemons. */
async function drainQueue(env: NodeJS.ProcessEnv): Promise<void> {
  const queued = () => {
    try {
      return execFileSync('squeue', ['-h', '-o', '%i'], { env, encoding: 'utf8', timeout: 5000 }).trim();
    } catch {
      return '';
    }
  };
  const ids = queued();
  if (!ids) return;
  try {
    execFileSync('scancel', ids.split('\n'), { env, timeout: 5000 });
  } catch { /* gone meanwhile */ }
  for (const until = Date.now() + 20_000; queued() && Date.now() < until;) await new Promise((r) => setTimeout(r, 250));
}

/** Starts the cluster (about 8 s); throws with the daemons' logs when it cannot. */
export async function startSlurm(): Promise<SlurmCluster> {
  const missing = slurmMissing();
  if (missing) throw new Error(`Slurm test cluster: ${missing}`);
  const t0 = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'qg-slurm-'));
  const host = hostname().split('.')[0]!;
  const [ctldPort, dPort] = [await freePort(), await freePort()];
  for (const sub of ['state', 'spool']) mkdirSync(join(dir, sub));
  const conf = join(dir, 'slurm.conf');
  writeFileSync(conf, [
    'ClusterName=qgtest', `SlurmctldHost=${host}(127.0.0.1)`, `SlurmctldPort=${ctldPort}`, `SlurmdPort=${dPort}`,
    'AuthType=auth/munge', 'CredType=cred/munge', 'SlurmUser=root', 'SlurmdUser=root',
    'ProctrackType=proctrack/linuxproc', 'TaskPlugin=task/none', 'JobAcctGatherType=jobacct_gather/none', 'SwitchType=switch/none', 'MpiDefault=none',
    'SchedulerType=sched/builtin', 'SelectType=select/cons_tres', 'SelectTypeParameters=CR_CPU', 'SlurmdParameters=config_overrides',
    'ReturnToService=2', 'MinJobAge=30', 'KillWait=5', 'InactiveLimit=0',
    `StateSaveLocation=${dir}/state`, `SlurmdSpoolDir=${dir}/spool`,
    `SlurmctldPidFile=${dir}/slurmctld.pid`, `SlurmdPidFile=${dir}/slurmd.pid`,
    `SlurmctldLogFile=${dir}/slurmctld.log`, `SlurmdLogFile=${dir}/slurmd.log`,
    `NodeName=${host} NodeAddr=127.0.0.1 CPUs=8 RealMemory=1000 State=UNKNOWN`,
    `PartitionName=qg Nodes=${host} Default=YES MaxTime=INFINITE State=UP`, '',
  ].join('\n'));
  const env = { ...process.env, SLURM_CONF: conf };
  const children: ChildProcess[] = [];
  const logs = [join(dir, 'munged.log'), join(dir, 'slurmctld.log'), join(dir, 'slurmd.log')];
  const stop = async () => {
    await drainQueue(env);
    for (const child of children.reverse()) {
      if (child.exitCode !== null || child.pid === undefined) continue;
      const exited = new Promise((r) => child.once('exit', r));
      process.kill(child.pid, 'SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    if (!mungeAnswers()) {
      mkdirSync('/run/munge', { recursive: true });
      execFileSync('chown', ['munge:munge', '/run/munge']);
      const [uid, gid] = ['-u', '-g'].map((flag) => Number(execFileSync('id', [flag, 'munge'], { encoding: 'utf8' })));
      children.push(daemon('/usr/sbin/munged', ['-F'], logs[0]!, env, { uid: uid!, gid: gid! }));
      await waitFor('munged answering', mungeAnswers, 10, logs);
    }
    children.push(daemon('/usr/sbin/slurmctld', ['-D', '-i', '-f', conf], logs[1]!, env));
    children.push(daemon('/usr/sbin/slurmd', ['-D', '-f', conf], logs[2]!, env));
    const idle = () => {
      try {
        return /idle|mix/.test(execFileSync('sinfo', ['-h', '-o', '%T'], { env, encoding: 'utf8', timeout: 5000 }));
      } catch {
        return false;
      }
    };
    await waitFor('an idle node', idle, 40, logs);
  } catch (e) {
    await stop();
    throw e;
  }
  return { conf, partition: 'qg', startSeconds: (performance.now() - t0) / 1000, stop };
}
