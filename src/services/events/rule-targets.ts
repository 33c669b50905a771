// A rule's targets: PutTargets (at most five per rule), RemoveTargets, ListTargetsByRule.
import type {
  ListTargetsByRuleRequest,
  ListTargetsByRuleResponse,
  PutTargetsRequest,
  PutTargetsResponse,
  RemoveTargetsRequest,
  RemoveTargetsResponse,
  RemoveTargetsResultEntry,
  Target,
} from '../../generated/events.js';
import { AwsError } from '../../protocol/errors.js';
import { parseArn } from '../../protocol/ids.js';
import { paginate } from '../../protocol/pagination.js';
import type { RequestContext } from '../../server/context.js';
import { requireRule, saveRule } from './rules.js';
import { validateTargetInput } from './target-input.js';

export const MAX_TARGETS_PER_RULE = 5;

/** The members of a target as stored (and listed back): undefined members left out. */
function clean(t: Target): Target {
  return JSON.parse(JSON.stringify(t)) as Target;
}

export function putTargets(ctx: RequestContext, input: PutTargetsRequest): PutTargetsResponse {
  const rule = requireRule(ctx, input.EventBusName, input.Rule);
  for (const t of input.Targets) {
    if (!parseArn(t.Arn)) throw new AwsError('ValidationException', `Parameter ${t.Arn} is not valid. Reason: Provided Arn is not in correct format.`);
    if (t.DeadLetterConfig?.Arn !== undefined && !parseArn(t.DeadLetterConfig.Arn)) {
      throw new AwsError('ValidationException', `Parameter ${t.DeadLetterConfig.Arn} is not valid. Reason: Provided Arn is not in correct format.`);
    }
    validateTargetInput(t);
  }
  const byId = new Map(rule.Targets.map((t) => [t.Id, t]));
  for (const t of input.Targets) byId.set(t.Id, clean(t));
  if (byId.size > MAX_TARGETS_PER_RULE) throw new AwsError('LimitExceededException', 'The requested resource exceeds the maximum number allowed.');
  rule.Targets = [...byId.values()];
  saveRule(ctx, rule);
  return { FailedEntryCount: 0, FailedEntries: [] };
}

export function removeTargets(ctx: RequestContext, input: RemoveTargetsRequest): RemoveTargetsResponse {
  const rule = requireRule(ctx, input.EventBusName, input.Rule);
  const failed: RemoveTargetsResultEntry[] = [];
  const remove = new Set<string>();
  for (const id of input.Ids) {
    if (rule.ManagedBy && !input.Force) {
      failed.push({ TargetId: id, ErrorCode: 'ManagedRuleException', ErrorMessage: `Rule '${rule.Name}' is managed by an AWS service can only be modified if force is True.` });
    } else if (!rule.Targets.some((t) => t.Id === id)) {
      failed.push({ TargetId: id, ErrorCode: 'ResourceNotFoundException', ErrorMessage: `Rule '${rule.Name}' does not have a target with the Id '${id}'.` });
    } else {
      remove.add(id);
    }
  }
  if (remove.size) {
    rule.Targets = rule.Targets.filter((t) => !remove.has(t.Id));
    saveRule(ctx, rule);
  }
  return { FailedEntryCount: failed.length, FailedEntries: failed };
}

export function listTargetsByRule(ctx: RequestContext, input: ListTargetsByRuleRequest): ListTargetsByRuleResponse {
  const rule = requireRule(ctx, input.EventBusName, input.Rule);
  const page = paginate(rule.Targets, (t) => t.Id, { token: input.NextToken, max: input.Limit, defaultMax: 100, invalidTokenCode: 'ValidationException' });
  return { Targets: page.items, NextToken: page.next };
}
