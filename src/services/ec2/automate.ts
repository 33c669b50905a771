// CloudWatch alarm actions on instances (arn:aws:automate:REGION:ec2:stop|terminate|reboot|recover):
// stop, terminate and reboot behave as the API calls (termination protection refuses terminate); recover
// moves the instance to a new host — same id, private IP, Elastic IP, EBS volumes and metadata; the
// instance store and RAM are lost; the workload boots again.
import { AwsError } from '../../protocol/errors.js';
import type { Runtime } from '../../server/context.js';
import type { TargetInvocation, TargetResult } from '../../events/targets.js';
import type { Ec2Operations } from '../../generated/ec2.js';
import type { Handlers } from '../define.js';
import { instanceTypeSpec } from './instance-types.js';
import { recordsByIds } from './instances.js';
import { internalContext, serviceRoleCaller } from './internal-context.js';
import { engineFor } from './lifecycle.js';
import { statusChecksFor } from './status-checks.js';

export const AUTOMATE_ARN = /^arn:aws[\w-]*:automate:[a-z0-9-]+:ec2:(stop|terminate|reboot|recover)$/;

/** The instance an alarm watches: its InstanceId dimension (as a map or as [{Name, Value}]). */
function instanceIdOf(context: Record<string, unknown> | undefined): string | undefined {
  const dims = context?.dimensions;
  if (Array.isArray(dims)) return (dims as { Name?: string; Value?: string }[]).find((d) => d.Name === 'InstanceId')?.Value;
  if (dims && typeof dims === 'object') {
    const v = (dims as Record<string, unknown>).InstanceId;
    return typeof v === 'string' ? v : undefined;
  }
  return undefined;
}

export function registerAutomateActions(runtime: Runtime, handlers: Handlers<Ec2Operations>): void {
  runtime.targets.register('ec2-automate', (arn) => AUTOMATE_ARN.test(arn), (inv) => runAction(runtime, handlers, inv));
}

function runAction(runtime: Runtime, handlers: Handlers<Ec2Operations>, inv: TargetInvocation): TargetResult {
  const action = AUTOMATE_ARN.exec(inv.arn)![1]!;
  const id = instanceIdOf(inv.context);
  if (!id) return { ok: false, message: `The alarm has no InstanceId dimension: ${inv.arn} needs one` };
  const scope = { account: inv.source.account, region: inv.source.region };
  // EC2 alarm actions act through the account's CloudWatch Events service-linked role
  const caller = serviceRoleCaller(runtime, scope.account, 'AWSServiceRoleForCloudWatchEvents', `Auto-${action}-${id}`);
  try {
    return runtime.store.transaction(() => {
      const ctx = internalContext(runtime, scope, `${action[0]!.toUpperCase()}${action.slice(1)}Instances`, caller);
      const done = { ok: true, message: `Successfully executed action ${inv.arn} on instance ${id}` };
      switch (action) {
        case 'stop':
          handlers.StopInstances!(ctx, { InstanceIds: [id] });
          return done;
        case 'terminate':
          handlers.TerminateInstances!(ctx, { InstanceIds: [id] });
          return done;
        case 'reboot':
          handlers.RebootInstances!(ctx, { InstanceIds: [id] });
          return done;
        default: {
          const [r] = recordsByIds(ctx, [id]);
          const spec = instanceTypeSpec(r!.InstanceType);
          if (r!.RootDeviceType !== 'ebs' || !spec || spec.storage) {
            return { ok: false, message: `The instance '${id}' (${r!.InstanceType}, ${r!.RootDeviceType} root) is not supported for recovery: recover needs an EBS-backed instance of a type without instance store volumes` };
          }
          if (r!.State !== 'running') return { ok: false, message: `The instance '${id}' is not in a state from which it can be recovered (${r!.State}).` };
          engineFor(runtime).relocate(ctx, r!);
          statusChecksFor(runtime).forget(id);
          return done;
        }
      }
    });
  } catch (err) {
    if (err instanceof AwsError) return { ok: false, message: `${err.code}: ${err.message}` };
    throw err;
  }
}
