// `cumulus cost [--account A] [--region R] [--json]`: what the EC2 resources of a running Cumulus have
// cost so far at list prices, as a table (GET /_aws/ec2/cost).
import type { CostReport } from '../services/ec2/cost-report.js';

export const COST_USAGE = `  cost      EC2 cost so far at list prices: instances, volumes, snapshots, hosts (--account A --region R --json)
`;

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n') + '\n';
}

const money = (n: number) => `$${n.toFixed(6)}`;

export async function costCommand(endpoint: string, args: string[], out: (s: string) => void): Promise<number> {
  const q = new URLSearchParams();
  let json = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--json') json = true;
    else if ((a === '--account' || a === '--region') && args[i + 1]) q.set(a.slice(2), args[++i]!);
    else if (a === '--endpoint' && args[i + 1]) endpoint = args[++i]!.replace(/\/$/, '');
    else throw new Error(`unknown option '${a}' (cost takes --account A, --region R, --json, --endpoint URL)`);
  }
  const res = await fetch(`${endpoint}/_aws/ec2/cost${q.size ? `?${q}` : ''}`);
  if (!res.ok) throw new Error(`GET /_aws/ec2/cost answered ${res.status}: ${await res.text()}`);
  const report = (await res.json()) as CostReport;
  if (json) {
    out(`${JSON.stringify(report, null, 2)}\n`);
    return 0;
  }
  if (!report.accounts.length) {
    out('No EC2 resources.\n');
    return 0;
  }
  for (const a of report.accounts) {
    out(`${a.account} ${a.region}\n`);
    const rows = [['RESOURCE', 'TYPE', 'OPTION', 'STATE', 'SECONDS', 'USD/HOUR', 'COST']];
    for (const i of a.instances) rows.push([i.InstanceId, i.InstanceType, i.PurchasingOption, i.State, String(i.BilledSeconds), i.HourlyPriceUSD.toFixed(4), money(i.CostUSD)]);
    for (const h of a.hosts) rows.push([h.HostId, h.InstanceFamily, 'dedicated-host', h.State, String(h.BilledSeconds), h.HourlyPriceUSD.toFixed(4), money(h.CostUSD)]);
    for (const v of a.volumes) rows.push([v.VolumeId, `${v.VolumeType} ${v.Size} GiB`, 'ebs', '', String(v.Seconds), '', money(v.CostUSD)]);
    for (const s of a.snapshots) rows.push([s.SnapshotId, `${s.VolumeSize} GiB`, 'snapshot', '', String(s.Seconds), '', money(s.CostUSD)]);
    rows.push(['TOTAL', '', '', '', '', '', money(a.totals.totalUSD)]);
    out(table(rows));
    for (const r of a.reservations) {
      out(`  reservation ${r.ReservedInstancesId} ${r.InstanceType}${r.AvailabilityZone ? ` ${r.AvailabilityZone}` : ''} x${r.InstanceCount} ${r.OfferingType} ${r.State}: upfront ${money(r.UpfrontUSD)}, effective ${r.EffectiveHourlyUSD.toFixed(4)}/hour, covers ${r.CoveredInstances.join(', ') || 'nothing running'}\n`);
    }
    for (const qu of a.quotas) out(`  quota ${qu.name}: ${qu.inUse} of ${qu.limit} vCPUs\n`);
  }
  if (report.accounts.length > 1) out(`TOTAL ${money(report.totalUSD)}\n`);
  return 0;
}
