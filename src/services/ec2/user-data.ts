// User data: AWS's 16 KB limit, and what the instance's root holds at boot — the user data as cloud-init
// stores it, the boot script (a `#!` user data, or a `#cloud-config` turned into one by cloud-config.ts,
// run at first boot only), and the commands that let a
// program inside shut the instance down.
import fs from 'node:fs';
import path from 'node:path';
import { AwsError } from '../../protocol/errors.js';
import { applyCloudConfig } from './cloud-config.js';

export const USER_DATA_LIMIT = 16384;

/** The decoded user data of RunInstances / ModifyInstanceAttribute, checked against AWS's limit. */
export function decodeUserData(base64: string | undefined): Buffer | undefined {
  if (base64 === undefined || base64 === '') return undefined;
  const data = Buffer.from(base64, 'base64');
  if (data.length > USER_DATA_LIMIT) throw new AwsError('InvalidParameterValue', `User data is limited to ${USER_DATA_LIMIT} bytes`);
  return data;
}

/** Where things live inside an instance's root (relative paths). */
export const ROOT_PATHS = {
  userData: 'var/lib/cloud/instance/user-data.txt',
  script: 'var/lib/cloud/instance/scripts/part-001',
  scriptDone: 'var/lib/cloud/instance/sem/config_scripts_user',
  initPid: 'run/cumulus-init.pid',
  shutdownMark: 'run/cumulus-shutdown',
  bin: 'usr/local/sbin',
  /** cloud-init's per-boot scripts: run at every boot (user data can install them) */
  perBoot: 'var/lib/cloud/scripts/per-boot',
};

const SHUTDOWN = `#!/bin/sh
# Cumulus: shuts this instance down (InstanceInitiatedShutdownBehavior decides stop or terminate).
echo "Cumulus: instance-initiated shutdown ($(basename "$0") $*)"
: > "$CUMULUS_ROOT/${ROOT_PATHS.shutdownMark}"
kill -TERM "$(cat "$CUMULUS_ROOT/${ROOT_PATHS.initPid}")" 2>/dev/null
exit 0
`;

/**
 * The instance's main process: runs the user data script once (first boot), then idles. Its pid is
 * recorded so that `shutdown`/`poweroff`/`halt` inside can end it: the workload's exit is the instance's
 * shutdown.
 */
export const INIT_SCRIPT = `cd "$CUMULUS_ROOT" || exit 1
echo $$ > "${ROOT_PATHS.initPid}"
echo "Cumulus: booting $CUMULUS_INSTANCE_ID ($CUMULUS_INSTANCE_TYPE) in $AWS_REGION"
echo "Cumulus: this instance shares the host's network: a port its programs listen on is that port on the host (127.0.0.1); metadata at $IMDS"
for f in ${ROOT_PATHS.perBoot}/*; do
  if [ -x "$f" ]; then echo "cloud-init: running per-boot script $f"; "$f"; fi
done
if [ -x "${ROOT_PATHS.script}" ] && [ ! -e "${ROOT_PATHS.scriptDone}" ]; then
  : > "${ROOT_PATHS.scriptDone}"
  echo "cloud-init: running user data script"
  "./${ROOT_PATHS.script}"
  echo "cloud-init: user data script exited with status $?"
fi
echo "Cumulus: $CUMULUS_INSTANCE_ID is up"
exec sleep infinity
`;

/** Prepares the root for a boot: system dirs, shutdown commands, and on the first boot the user data. */
export function prepareRoot(root: string, userData: Buffer | undefined, firstBoot: boolean): void {
  for (const d of ['run', 'tmp', 'var/lib/cloud/instance/scripts', 'var/lib/cloud/instance/sem', ROOT_PATHS.perBoot, ROOT_PATHS.bin]) {
    fs.mkdirSync(path.join(root, d), { recursive: true });
  }
  fs.rmSync(path.join(root, ROOT_PATHS.shutdownMark), { force: true });
  for (const cmd of ['shutdown', 'poweroff', 'halt']) fs.writeFileSync(path.join(root, ROOT_PATHS.bin, cmd), SHUTDOWN, { mode: 0o755 });
  if (!firstBoot) return;
  fs.rmSync(path.join(root, ROOT_PATHS.scriptDone), { force: true });
  if (!userData) return;
  fs.writeFileSync(path.join(root, ROOT_PATHS.userData), userData);
  if (userData.subarray(0, 2).toString() === '#!') fs.writeFileSync(path.join(root, ROOT_PATHS.script), userData, { mode: 0o755 });
  else if (/^#cloud-config[ \t]*\r?\n/.test(userData.subarray(0, 32).toString())) {
    const plan = applyCloudConfig(root, userData.toString('utf8'));
    fs.writeFileSync(path.join(root, ROOT_PATHS.script), plan.script, { mode: 0o755 });
    if (plan.bootScript) fs.writeFileSync(path.join(root, ROOT_PATHS.perBoot, '00-bootcmd'), plan.bootScript, { mode: 0o755 });
  }
}

/** Whether the workload ended through `shutdown` inside (rather than crashing). */
export function shutdownRequested(root: string): boolean {
  return fs.existsSync(path.join(root, ROOT_PATHS.shutdownMark));
}
