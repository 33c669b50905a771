// The API's resource policy on every request (AWS_IAM methods evaluate it with the caller's own policies in
// iam-auth.ts): the caller is anonymous, the action execute-api:Invoke on the method ARN, with aws:SourceIp (and
// aws:SourceVpce / aws:SourceVpc for requests through an interface VPC endpoint).
// An explicit deny, or no statement allowing, answers 403 as AWS does.
import { evaluate, parsePolicyDocument, type PolicyDocument } from '../iam/index.js';
import { GatewayError } from './gateway-errors.js';
import { executeApiArn, type ApiRequest } from './request.js';

const parsed = new Map<string, PolicyDocument | null>();

function documentOf(text: string): PolicyDocument | undefined {
  let doc = parsed.get(text);
  if (doc === undefined) {
    try {
      doc = parsePolicyDocument(text, 'resource');
    } catch {
      doc = null;
    }
    if (parsed.size > 1000) parsed.clear();
    parsed.set(text, doc);
  }
  return doc ?? undefined;
}

/** API Gateway writes the `execute-api:/stage/METHOD/path` shorthand as the API's full ARN when it saves a policy. */
export function expandPolicy(policy: string, region: string, account: string, apiId: string): string {
  return policy.replace(/"execute-api:(\/[^"]*)"/g, (_, rest: string) => JSON.stringify(`arn:aws:execute-api:${region}:${account}:${apiId}${rest}`));
}

/** AWS masks the account in these messages. */
const masked = (arn: string) => arn.replace(/:(\d{8})(\d{4}):/, ':********$2:');

/** The request's condition keys: its source address, and for private APIs the VPC endpoint and VPC it came through. */
export function policyContext(req: ApiRequest): Record<string, string> {
  const context: Record<string, string> = { 'aws:SourceIp': req.sourceIp };
  if (req.sourceVpce) {
    context['aws:SourceVpce'] = req.sourceVpce.id;
    context['aws:SourceVpc'] = req.sourceVpce.vpcId;
  }
  return context;
}

export function checkResourcePolicy(req: ApiRequest): void {
  if (!req.def.policy && !req.privateApi) return;
  const methodArn = executeApiArn(req, req.httpMethod, req.path);
  // a private API answers only what its policy allows: without one, nothing
  if (!req.def.policy && req.privateApi) throw new GatewayError('ACCESS_DENIED', `User: anonymous is not authorized to perform: execute-api:Invoke on resource: ${masked(methodArn)}`);
  if (!req.def.policy || req.route?.method.authorizationType === 'AWS_IAM') return;
  const doc = documentOf(expandPolicy(req.def.policy, req.region, req.account, req.apiId));
  if (!doc) throw new GatewayError('ACCESS_DENIED', `User: anonymous is not authorized to perform: execute-api:Invoke on resource: ${masked(methodArn)}`);
  const result = evaluate({
    identityPolicies: [],
    resourcePolicy: { id: 'resource-policy', document: doc, account: req.account },
    request: { principal: { arn: 'anonymous', account: req.account, type: 'Anonymous' }, action: 'execute-api:Invoke', resource: methodArn, context: policyContext(req) },
  });
  if (result.decision === 'explicitDeny') throw new GatewayError('ACCESS_DENIED', `User: anonymous is not authorized to perform: execute-api:Invoke on resource: ${masked(methodArn)} with an explicit deny`);
  if (result.decision !== 'allowed') throw new GatewayError('ACCESS_DENIED', `User: anonymous is not authorized to perform: execute-api:Invoke on resource: ${masked(methodArn)}`);
}
