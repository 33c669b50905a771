// DryRun: a mutating call that would have succeeded answers DryRunOperation (HTTP 412).
import { AwsError } from '../../protocol/errors.js';

export function dryRun(input: { DryRun?: boolean }): void {
  if (input.DryRun) throw new AwsError('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.', { status: 412 });
}
