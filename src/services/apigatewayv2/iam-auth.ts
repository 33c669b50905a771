// AWS_IAM routes: the request must be SigV4-signed (else 403); the signer must be a caller Cumulus knows and be
// allowed execute-api:Invoke on the request's ARN by its identity policies (an account's root always is).
import { credentialOf } from '../../protocol/identify.js';
import { evaluate, policyDocumentsForPrincipal } from '../iam/index.js';
import { ownerOfAccessKey, type KeyOwner } from '../sts/index.js';
import { forbidden, headerOf, routeArn, type HttpApiRequest } from './request.js';

function signer(req: HttpApiRequest): KeyOwner | undefined {
  const headers = Object.fromEntries([...req.headers].map(([k, v]) => [k, v.join(',')]));
  const cred = credentialOf({ headers, query: req.query });
  if (!cred?.accessKeyId) return undefined;
  return ownerOfAccessKey(req.runtime, cred.accessKeyId);
}

export function authorizeIam(req: HttpApiRequest): void {
  const signed = /^AWS4-HMAC-SHA256 /.test(headerOf(req, 'authorization') ?? '') || req.query.has('X-Amz-Signature');
  if (!signed) throw forbidden();
  const caller = signer(req);
  if (!caller) throw forbidden();
  const isRoot = /:root$/.test(caller.arn);
  if (!isRoot) {
    const docs = policyDocumentsForPrincipal(req.runtime, caller.arn);
    const result = evaluate({
      identityPolicies: docs?.identityPolicies ?? [],
      permissionsBoundary: docs?.permissionsBoundary,
      request: {
        principal: { arn: caller.arn, account: caller.accountId, type: caller.arn.includes(':assumed-role/') ? 'AssumedRole' : 'IAMUser' },
        action: 'execute-api:Invoke',
        resource: routeArn(req),
        context: { 'aws:SourceIp': req.sourceIp },
      },
    });
    if (result.decision !== 'allowed' || caller.accountId !== req.account) throw forbidden();
  } else if (caller.accountId !== req.account) throw forbidden();
  const iam: Record<string, unknown> = {
    accessKey: caller.accessKey,
    accountId: caller.accountId,
    callerId: caller.userId,
    principalOrgId: null,
    userArn: caller.arn,
    userId: caller.userId,
  };
  req.authorizer = { iam };
}
