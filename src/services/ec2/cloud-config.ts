// `#cloud-config` user data, as cloud-init runs it at first boot: write_files (path, content, encoding
// b64 / gzip / gz+b64, permissions, append, defer), bootcmd (every boot, first), runcmd (strings run by the
// shell, lists run as argv) and final_message. packages / package_update / package_upgrade are noted in
// the console and ignored (Cumulus installs no packages). Paths are inside the instance's root.
import fs from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parseYaml, type Yaml } from './yaml-lite.js';

export interface CloudConfigPlan {
  /** the first-boot script (its output is the console's) */
  script: string;
  /** the per-boot script from bootcmd, if any */
  bootScript?: string;
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function asList(v: Yaml | undefined): Yaml[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}

/** A runcmd / bootcmd entry as a shell line: a string as is, a list as quoted argv. */
function commandLine(c: Yaml): string {
  if (Array.isArray(c)) return c.map((a) => q(String(a ?? ''))).join(' ');
  return String(c ?? '');
}

function decode(content: string, encoding: string | undefined): Buffer {
  switch ((encoding ?? '').toLowerCase()) {
    case 'b64':
    case 'base64':
      return Buffer.from(content, 'base64');
    case 'gz':
    case 'gzip':
      return gunzipSync(Buffer.from(content, 'latin1'));
    case 'gz+b64':
    case 'gz+base64':
    case 'gzip+b64':
    case 'gzip+base64':
      return gunzipSync(Buffer.from(content, 'base64'));
    default:
      return Buffer.from(content);
  }
}

/** Writes one write_files entry into the root; returns the console line. */
function writeFile(root: string, f: { [k: string]: Yaml }): string {
  const p = String(f.path ?? '');
  if (!p) return 'cloud-init: write_files: an entry without a path was skipped';
  const target = path.join(root, path.posix.normalize(`/${p}`));
  const data = decode(String(f.content ?? ''), f.encoding === undefined ? undefined : String(f.encoding));
  const perms = f.permissions === undefined ? 0o644 : parseInt(String(f.permissions), 8);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  if (f.append === true) fs.appendFileSync(target, data);
  else fs.writeFileSync(target, data);
  if (Number.isFinite(perms)) fs.chmodSync(target, perms);
  return `cloud-init: write_files: wrote ${p} (${data.length} bytes, mode ${Number.isFinite(perms) ? perms.toString(8).padStart(4, '0') : '0644'})`;
}

/**
 * Applies a cloud-config at first boot: the files are written now (deferred ones by the script after
 * runcmd's turn comes), and the script runs the commands with their notes in the console.
 */
export function applyCloudConfig(root: string, text: string): CloudConfigPlan {
  const lines: string[] = ['#!/bin/sh', `cd "$CUMULUS_ROOT"`];
  const echo = (s: string) => lines.push(`echo ${q(s)}`);
  let cfg: Yaml;
  try {
    cfg = parseYaml(text);
  } catch (err) {
    echo(`cloud-init: could not parse the cloud-config user data: ${(err as Error).message}`);
    return { script: `${lines.join('\n')}\n` };
  }
  if (cfg === null || typeof cfg !== 'object' || Array.isArray(cfg)) {
    echo('cloud-init: the cloud-config user data is not a mapping; nothing to do');
    return { script: `${lines.join('\n')}\n` };
  }
  echo('cloud-init: running cloud-config');
  const deferred: { [k: string]: Yaml }[] = [];
  for (const f of asList(cfg.write_files)) {
    if (!f || typeof f !== 'object' || Array.isArray(f)) continue;
    if (f.defer === true) {
      deferred.push(f);
      continue;
    }
    try {
      echo(writeFile(root, f));
    } catch (err) {
      echo(`cloud-init: write_files: ${String(f.path)}: ${(err as Error).message}`);
    }
  }
  const pkgs = asList(cfg.packages).map((p) => (Array.isArray(p) ? p.join('=') : String(p)));
  if (pkgs.length) echo(`cloud-init: packages ignored (Cumulus installs no packages): ${pkgs.join(', ')}`);
  if (cfg.package_update === true || cfg.package_upgrade === true) echo('cloud-init: package_update/package_upgrade ignored');
  const runcmd = asList(cfg.runcmd);
  if (runcmd.length) {
    echo(`cloud-init: runcmd (${runcmd.length} command${runcmd.length === 1 ? '' : 's'})`);
    for (const c of runcmd) lines.push(commandLine(c));
  }
  // deferred files are written after the commands (cloud-init's final stage): staged now, copied by the script
  deferred.forEach((f, k) => {
    const p = String(f.path ?? '');
    if (!p) return;
    try {
      const staged = path.join(root, 'var/lib/cloud/instance/deferred', String(k));
      fs.mkdirSync(path.dirname(staged), { recursive: true });
      fs.writeFileSync(staged, decode(String(f.content ?? ''), f.encoding === undefined ? undefined : String(f.encoding)));
      const target = `./${path.posix.normalize(`/${p}`).slice(1)}`;
      const mode = f.permissions === undefined ? '0644' : String(f.permissions);
      lines.push(`mkdir -p "$(dirname ${q(target)})" && cat ${q(`./var/lib/cloud/instance/deferred/${k}`)} ${f.append === true ? '>>' : '>'} ${q(target)} && chmod ${q(mode)} ${q(target)}`);
      echo(`cloud-init: write_files: wrote ${p} (deferred)`);
    } catch (err) {
      echo(`cloud-init: write_files: ${p}: ${(err as Error).message}`);
    }
  });
  if (cfg.final_message !== undefined) echo(String(cfg.final_message));
  else echo('cloud-init: cloud-config finished');
  const bootcmd = asList(cfg.bootcmd);
  const bootScript = bootcmd.length ? `#!/bin/sh\ncd "$CUMULUS_ROOT"\necho 'cloud-init: bootcmd'\n${bootcmd.map(commandLine).join('\n')}\n` : undefined;
  return { script: `${lines.join('\n')}\n`, bootScript };
}
