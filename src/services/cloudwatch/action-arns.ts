// Which ARNs an alarm may act on, checked at PutMetricAlarm / PutCompositeAlarm as CloudWatch checks them.
import { AwsError } from '../../protocol/errors.js';

const validation = (message: string) => new AwsError('ValidationError', message, { status: 400 });

interface ActionInput {
  AlarmActions?: string[];
  OKActions?: string[];
  InsufficientDataActions?: string[];
  Dimensions?: { Name: string; Value: string }[];
  MetricName?: string;
  Metrics?: { MetricStat?: { Metric: { Dimensions?: { Name: string; Value: string }[]; MetricName?: string } } }[];
  AlarmRule?: string;
}

const KINDS: [string, RegExp][] = [
  ['ec2', /^arn:aws[\w-]*:automate:([a-z0-9-]+):ec2:(stop|terminate|reboot|recover)$/],
  ['ec2', /^arn:aws[\w-]*:swf:([a-z0-9-]+):\d{12}:action\/actions\/AWS_EC2\.InstanceId\.(Stop|Terminate|Reboot)\/1\.0$/],
  ['sns', /^arn:aws[\w-]*:sns:([a-z0-9-]+):\d{12}:[\w-]{1,256}$/],
  ['autoscaling', /^arn:aws[\w-]*:autoscaling:([a-z0-9-]+):\d{12}:scalingPolicy:[\w-]+:[\s\S]+$/],
  ['lambda', /^arn:aws[\w-]*:lambda:([a-z0-9-]+):\d{12}:function:[\w-]{1,140}(:[\w$-]+)?$/],
  ['ssm', /^arn:aws[\w-]*:ssm:([a-z0-9-]+):\d{12}:opsitem:[1-4](#CATEGORY=\w+)?$/],
  ['ssm-incidents', /^arn:aws[\w-]*:ssm-incidents::\d{12}:response-?plan\/[\w-]+$/],
];

export function checkActions(ctx: { region: string }, input: ActionInput): void {
  const composite = input.AlarmRule !== undefined;
  const dims = input.Dimensions ?? input.Metrics?.flatMap((q) => q.MetricStat?.Metric.Dimensions ?? []) ?? [];
  const metricName = input.MetricName ?? input.Metrics?.find((q) => q.MetricStat)?.MetricStat?.Metric.MetricName;
  for (const arn of [...(input.AlarmActions ?? []), ...(input.OKActions ?? []), ...(input.InsufficientDataActions ?? [])]) {
    const hit = KINDS.map(([kind, re]) => [kind, re.exec(arn)] as const).find(([, m]) => m);
    if (!hit) throw validation(`Invalid arn syntax: ${arn}`);
    const [kind, m] = hit;
    const region = m![1];
    if (region && region !== ctx.region) throw validation(`Invalid region ${region} specified. Only ${ctx.region} is supported.`);
    if (composite && (kind === 'ec2' || kind === 'autoscaling')) {
      throw validation(`Composite alarms do not support the action ${arn}: use SNS, Lambda or Systems Manager actions.`);
    }
    if (kind === 'ec2') {
      if (!dims.some((d) => d.Name === 'InstanceId')) {
        throw validation(`Invalid use of EC2 action ${arn}. An EC2 action can only be used if the alarm is monitoring an EC2 instance metric with an InstanceId dimension.`);
      }
      if (/:recover$/.test(arn) && metricName !== 'StatusCheckFailed_System') {
        throw validation(`Invalid use of EC2 'Recover' action. The 'Recover' action is only supported for the metric StatusCheckFailed_System.`);
      }
    }
  }
}
