// AWS_IAM authorization of a method: the request must be SigV4-signed (else 403 Missing Authentication Token);
// the signer must be a caller Cumulus knows, allowed execute-api:Invoke on the method ARN by its policies
// (callers of the API's own account) or by the API's resource policy.
import { credentialOf } from '../../protocol/identify.js';
import { evaluate, parsePolicyDocument, policyDocumentsForPrincipal } from '../iam/index.js';
import { ownerOfAccessKey } from '../sts/index.js';
import { GatewayError, missingToken } from './gateway-errors.js';
import { executeApiArn, header, type ApiRequest } from './request.js';
import { policyContext } from './resource-policy.js';

function signer(req: ApiRequest): ApiRequest['caller'] {
  const wire = { method: req.httpMethod, path: req.path, query: req.query, headers: req.headers, body: req.body };
  const cred = credentialOf(wire);
  if (!cred?.accessKeyId) return undefined;
  return ownerOfAccessKey(req.runtime, cred.accessKeyId);
}

export function authorizeIam(req: ApiRequest): void {
  const signed = /^AWS4-HMAC-SHA256 /.test(header(req, 'authorization') ?? '') || req.query.has('X-Amz-Signature');
  if (!signed) throw missingToken();
  const caller = signer(req);
  if (!caller) throw new GatewayError('INVALID_SIGNATURE', 'The security token included in the request is invalid.', 403);
  req.caller = caller;
  if (caller.arn === `arn:aws:iam::${req.account}:root`) return;
  const methodArn = executeApiArn(req, req.httpMethod, req.path);
  const isRoot = /:root$/.test(caller.arn);
  const docs = isRoot ? { identityPolicies: [] } : policyDocumentsForPrincipal(req.runtime, caller.arn);
  let resourcePolicy: { id: string; document: ReturnType<typeof parsePolicyDocument>; account: string } | undefined;
  if (req.def.policy) {
    try {
      resourcePolicy = { id: 'resource-policy', document: parsePolicyDocument(req.def.policy, 'resource'), account: req.account };
    } catch {
      resourcePolicy = undefined;
    }
  }
  const sameAccount = caller.accountId === req.account;
  const result = evaluate({
    identityPolicies: sameAccount || !isRoot ? (docs?.identityPolicies ?? []) : [],
    permissionsBoundary: docs?.permissionsBoundary,
    resourcePolicy,
    request: {
      principal: { arn: caller.arn, account: caller.accountId, type: isRoot ? 'Root' : caller.arn.includes(':assumed-role/') ? 'AssumedRole' : 'IAMUser' },
      action: 'execute-api:Invoke',
      resource: methodArn,
      context: policyContext(req),
    },
  });
  if (result.decision === 'explicitDeny') throw new GatewayError('ACCESS_DENIED', `User: ${caller.arn} is not authorized to perform: execute-api:Invoke on resource: ${methodArn} with an explicit deny`);
  if (result.decision !== 'allowed' && !(isRoot && sameAccount)) {
    throw new GatewayError('ACCESS_DENIED', `User: ${caller.arn} is not authorized to perform: execute-api:Invoke on resource: ${methodArn}`);
  }
}
