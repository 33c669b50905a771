// Shared pieces of the scaling plan tests: the AWS CLI as JSON, and waiting for a plan to settle.
import { awsCli, boto3 } from '../helpers/cumulus.js';

export interface CliResult<T> {
  code: number;
  json: T;
  stderr: string;
}

/** `aws autoscaling-plans …`, its output parsed. */
export async function plansCli<T = Record<string, unknown>>(c: { url: string }, args: string[]): Promise<CliResult<T>> {
  const r = await awsCli(c, ['autoscaling-plans', ...args]);
  return { code: r.code, json: (r.stdout.trim() ? JSON.parse(r.stdout) : {}) as T, stderr: r.stderr };
}

/** Runs a boto3 script (with `plans = boto3.client('autoscaling-plans', …)`); returns what it prints as JSON. */
export async function plansPy<T = unknown>(c: { url: string }, body: string): Promise<T> {
  const r = await boto3(c, `plans = boto3.client('autoscaling-plans', endpoint_url=endpoint)\n${body}`);
  if (r.code !== 0) throw new Error(`boto3 failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

export interface Plan {
  ScalingPlanName: string;
  StatusCode: string;
  StatusMessage?: string;
  ScalingInstructions: Record<string, unknown>[];
}

export async function describePlan(c: { url: string }, name: string): Promise<Plan | undefined> {
  const r = await plansCli<{ ScalingPlans: Plan[] }>(c, ['describe-scaling-plans', '--scaling-plan-names', name]);
  if (r.code !== 0) throw new Error(r.stderr);
  return r.json.ScalingPlans[0];
}

/** Advances the clock until the plan leaves its *InProgress status (or is gone), in one boto3 process. */
export async function settled(c: { url: string }, name: string): Promise<Plan | undefined> {
  const out = await plansPy<{ plan: Plan | null }>(
    c,
    `import urllib.request
for _ in range(10):
    found = plans.describe_scaling_plans(ScalingPlanNames=[${JSON.stringify(name)}])['ScalingPlans']
    if not found or not found[0]['StatusCode'].endswith('InProgress'):
        break
    urllib.request.urlopen(urllib.request.Request(endpoint + '/_cumulus/clock/advance', data=b'{"seconds": 16}', headers={'content-type': 'application/json'}, method='POST')).read()
else:
    raise SystemExit('plan ${name} stayed in progress: ' + found[0]['StatusCode'])
print(json.dumps({'plan': found[0] if found else None}, default=str))`,
  );
  return out.plan ?? undefined;
}
