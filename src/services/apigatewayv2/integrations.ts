// Integrations of HTTP APIs: AWS_PROXY (Lambda, payload format 1.0 or 2.0), AWS_PROXY with an IntegrationSubtype
// (AWS service integrations, service-integrations.ts) and HTTP_PROXY (any URL), with parameter mappings and a
// timeout of 50–30,000 ms (30 s by default).
import type { Apigatewayv2Operations, CreateIntegrationRequest } from '../../generated/apigatewayv2.js';
import type { RequestContext } from '../../server/context.js';
import type { Handlers } from '../define.js';
import { autoDeploy } from './deploy.js';
import { badRequest, conflict, notFound } from './errors.js';
import { newId } from './ids.js';
import { apiOf, integrationOf, page, saveApi } from './lookup.js';
import type { ApiRecord, IntegrationRecord } from './store.js';
import { checkSubtype } from './service-integrations.js';
import { vpcLinkExists } from './vpc-links.js';

const METHODS = new Set(['ANY', 'GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);
const MAPPING_KEY = /^(overwrite|append|remove):(header\.[^\s]+|querystring\.[^\s]+|path)$/;
const LAMBDA_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[^/]+$/;
const PRIVATE_URI = /^arn:aws[a-z-]*:(elasticloadbalancing:[a-z0-9-]+:\d{12}:listener\/(app|net)\/.+|servicediscovery:[a-z0-9-]+:\d{12}:service\/.+)$/;
const INVOCATION_URI = /^arn:aws[a-z-]*:apigateway:[a-z0-9-]+:lambda:path\/2015-03-31\/functions\/(.+)\/invocations$/;

/** The function an AWS_PROXY integration calls (its URI may be the ARN or the invocation URI). */
export function functionOfUri(uri: string): string {
  const m = INVOCATION_URI.exec(uri);
  return m ? m[1]! : uri;
}

export function isLambdaTarget(uri: string): boolean {
  const fn = functionOfUri(uri);
  return LAMBDA_ARN.test(fn) || /\$\{stageVariables\.[^}]+\}/.test(fn);
}

type IntegrationFields = Omit<CreateIntegrationRequest, 'ApiId'>;

/** Checks an integration as it would be after a create or update, and returns the record. */
export function checkIntegration(id: string, f: IntegrationFields, managed?: boolean): IntegrationRecord {
  const type = f.IntegrationType;
  if (type !== 'AWS_PROXY' && type !== 'HTTP_PROXY') {
    throw badRequest(`Integration type ${type} is not supported for HTTP APIs. Supported types are AWS_PROXY and HTTP_PROXY.`);
  }
  if (f.IntegrationSubtype) {
    if (type !== 'AWS_PROXY') throw badRequest('IntegrationSubtype is only supported for integrations of type AWS_PROXY.');
    return serviceIntegration(id, f, managed);
  }
  const vpcLink = f.ConnectionType === 'VPC_LINK';
  if (vpcLink) {
    if (type !== 'HTTP_PROXY') throw badRequest('ConnectionType VPC_LINK is only supported for HTTP_PROXY integrations.');
    if (!f.ConnectionId) throw badRequest('ConnectionId must be specified for ConnectionType VPC_LINK.');
    if (f.IntegrationUri && !PRIVATE_URI.test(f.IntegrationUri)) {
      throw badRequest(`Invalid integration URI specified: ${f.IntegrationUri}. For private integrations it must be the ARN of a load balancer listener or a Cloud Map service.`);
    }
  }
  if (!f.IntegrationUri) throw badRequest('IntegrationUri is required for integrations of type ' + type);
  const timeout = f.TimeoutInMillis ?? 30000;
  if (timeout < 50 || timeout > 30000) throw badRequest('Timeout must be between 50 and 30000 milliseconds.');
  let pfv = f.PayloadFormatVersion;
  let method = f.IntegrationMethod?.toUpperCase();
  if (type === 'AWS_PROXY') {
    if (!pfv) throw badRequest('PayloadFormatVersion is required for AWS_PROXY integrations.');
    if (pfv !== '1.0' && pfv !== '2.0') throw badRequest(`Invalid payload format version '${pfv}'. Supported versions are 1.0 and 2.0.`);
    if (!isLambdaTarget(f.IntegrationUri)) throw badRequest(`Invalid integration URI specified: ${f.IntegrationUri}. It must be a Lambda function ARN.`);
    method ??= 'POST';
    if (f.RequestParameters && Object.keys(f.RequestParameters).length) {
      throw badRequest('Request parameter mappings are only supported for HTTP_PROXY integrations and AWS service integrations.');
    }
  } else {
    pfv ??= '1.0';
    if (pfv !== '1.0') throw badRequest(`Invalid payload format version '${pfv}' for HTTP_PROXY integrations. Supported version is 1.0.`);
    if (!method) throw badRequest('IntegrationMethod is required for HTTP_PROXY integrations.');
    // a private integration's URI is an ARN (checked above)
    let url: URL | undefined = vpcLink ? new URL('http://private') : undefined;
    if (!vpcLink) try {
      url = new URL(f.IntegrationUri.replace(/\$\{stageVariables\.[^}]+\}/g, 'x'));
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) throw badRequest(`Invalid HTTP endpoint specified for URI ${f.IntegrationUri}`);
  }
  if (!METHODS.has(method)) throw badRequest(`Invalid integration method specified: ${method}`);
  for (const [status, rules] of Object.entries(f.ResponseParameters ?? {})) {
    if (!/^[1-5]\d\d$/.test(status)) throw badRequest(`Invalid status code specified in response parameters: ${status}`);
    for (const k of Object.keys(rules)) {
      if (!/^((overwrite|append|remove):header\.[^\s]+|overwrite:statuscode)$/.test(k)) throw badRequest(`Invalid mapping expression specified: ${k}`);
    }
  }
  for (const k of Object.keys(f.RequestParameters ?? {})) {
    if (!MAPPING_KEY.test(k)) throw badRequest(`Invalid mapping expression specified: Validation Result: warnings : [], errors : [Invalid mapping expression specified: ${k}]`);
  }
  return {
    IntegrationId: id,
    ApiGatewayManaged: managed || undefined,
    ConnectionType: vpcLink ? 'VPC_LINK' : 'INTERNET',
    ConnectionId: vpcLink ? f.ConnectionId : undefined,
    CredentialsArn: f.CredentialsArn,
    Description: f.Description,
    IntegrationMethod: method,
    IntegrationType: type,
    IntegrationUri: f.IntegrationUri,
    PayloadFormatVersion: pfv,
    RequestParameters: f.RequestParameters && Object.keys(f.RequestParameters).length ? f.RequestParameters : undefined,
    ResponseParameters: f.ResponseParameters && Object.keys(f.ResponseParameters).length ? f.ResponseParameters : undefined,
    TimeoutInMillis: timeout,
    TlsConfig: f.TlsConfig,
  };
}

/** An AWS service integration (AWS_PROXY with a subtype): no URI or method; the role and parameters it calls with. */
function serviceIntegration(id: string, f: IntegrationFields, managed?: boolean): IntegrationRecord {
  const timeout = f.TimeoutInMillis ?? 30000;
  if (timeout < 50 || timeout > 30000) throw badRequest('Timeout must be between 50 and 30000 milliseconds.');
  const pfv = checkSubtype({ ...f, IntegrationSubtype: f.IntegrationSubtype! });
  for (const [status, rules] of Object.entries(f.ResponseParameters ?? {})) {
    if (!/^[1-5]\d\d$/.test(status)) throw badRequest(`Invalid status code specified in response parameters: ${status}`);
    for (const k of Object.keys(rules)) {
      if (!/^((overwrite|append|remove):header\.[^\s]+|overwrite:statuscode)$/.test(k)) throw badRequest(`Invalid mapping expression specified: ${k}`);
    }
  }
  return {
    IntegrationId: id,
    ApiGatewayManaged: managed || undefined,
    ConnectionType: 'INTERNET',
    CredentialsArn: f.CredentialsArn,
    Description: f.Description,
    IntegrationSubtype: f.IntegrationSubtype,
    IntegrationType: 'AWS_PROXY',
    PayloadFormatVersion: pfv,
    RequestParameters: f.RequestParameters,
    ResponseParameters: f.ResponseParameters && Object.keys(f.ResponseParameters).length ? f.ResponseParameters : undefined,
    TimeoutInMillis: timeout,
  };
}

export function addIntegration(api: ApiRecord, f: IntegrationFields, managed?: boolean): IntegrationRecord {
  const rec = checkIntegration(newId(7), f, managed);
  api.integrations[rec.IntegrationId] = rec;
  return rec;
}

function view(i: IntegrationRecord) {
  return { ...i };
}

function referencedBy(api: ApiRecord, integrationId: string): string[] {
  return Object.values(api.routes)
    .filter((r) => r.Target === `integrations/${integrationId}`)
    .map((r) => r.RouteId);
}

export const integrationHandlers: Handlers<Apigatewayv2Operations> = {
  CreateIntegration(ctx: RequestContext, { ApiId, ...fields }) {
    const api = apiOf(ctx, ApiId);
    if (fields.ConnectionType === 'VPC_LINK' && fields.ConnectionId && !vpcLinkExists(ctx, fields.ConnectionId)) throw notFound(`Unable to find VpcLink with id '${fields.ConnectionId}'.`, 'VpcLink');
    const rec = addIntegration(api, fields);
    saveApi(ctx, api);
    autoDeploy(ctx, api);
    return view(rec);
  },
  GetIntegration(ctx, { ApiId, IntegrationId }) {
    return view(integrationOf(ctx, apiOf(ctx, ApiId), IntegrationId));
  },
  GetIntegrations(ctx, input) {
    const api = apiOf(ctx, input.ApiId);
    return page(Object.values(api.integrations).map(view), (i) => i.IntegrationId, input);
  },
  UpdateIntegration(ctx, { ApiId, IntegrationId, ...changes }) {
    const api = apiOf(ctx, ApiId);
    const cur = integrationOf(ctx, api, IntegrationId);
    const merged = { ...cur, ...Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined)) } as IntegrationFields;
    const rec = checkIntegration(IntegrationId, merged, cur.ApiGatewayManaged);
    if (rec.ConnectionId && rec.ConnectionId !== cur.ConnectionId && !vpcLinkExists(ctx, rec.ConnectionId)) throw notFound(`Unable to find VpcLink with id '${rec.ConnectionId}'.`, 'VpcLink');
    api.integrations[IntegrationId] = rec;
    saveApi(ctx, api);
    autoDeploy(ctx, api);
    return view(rec);
  },
  DeleteIntegration(ctx, { ApiId, IntegrationId }) {
    const api = apiOf(ctx, ApiId);
    const cur = integrationOf(ctx, api, IntegrationId);
    if (cur.ApiGatewayManaged) throw conflict(`Integration ${IntegrationId} is managed by API Gateway and cannot be deleted.`);
    const routes = referencedBy(api, IntegrationId);
    if (routes.length) throw conflict(`Cannot delete integration ${IntegrationId} because it is the target of route(s): ${routes.join(', ')}`);
    delete api.integrations[IntegrationId];
    saveApi(ctx, api);
    autoDeploy(ctx, api);
  },
};
