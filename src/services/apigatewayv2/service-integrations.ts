// AWS service integrations of HTTP APIs (AWS_PROXY with an IntegrationSubtype): API Gateway assumes the
// integration's CredentialsArn role and calls one AWS API with parameters mapped from the request. Cumulus runs
// EventBridge-PutEvents (through its own events service, signed as the role, the path REST APIs' AWS integrations
// take); the other subtypes AWS documents name services Cumulus does not have and are refused at create time.
// The service's answer (status and JSON body) goes back to the client as it is.
import { assumable, callAwsService, cannotAssume, type AwsCallRequest } from '../apigateway/index.js';
import { badRequest } from './errors.js';
import { referenceValue as reference } from './parameter-mapping.js';
import { internalError, serviceUnavailable, GatewayError, type Answer, type HttpApiRequest } from './request.js';
import type { IntegrationRecord } from './store.js';

interface Subtype {
  required: string[];
  optional: string[];
}

/** The subtypes Cumulus runs, with their parameters (the integration subtype reference). */
const RUNNABLE: Record<string, Subtype> = {
  'EventBridge-PutEvents': { required: ['Detail', 'DetailType', 'Source'], optional: ['Time', 'EventBusName', 'Region', 'Resources', 'TraceHeader'] },
};

/** Subtypes AWS documents whose service Cumulus has no implementation of. */
const ABSENT: Record<string, string> = {
  'SQS-SendMessage': 'Amazon SQS',
  'SQS-ReceiveMessage': 'Amazon SQS',
  'SQS-DeleteMessage': 'Amazon SQS',
  'SQS-PurgeQueue': 'Amazon SQS',
  'AppConfig-GetConfiguration': 'AWS AppConfig',
  'Kinesis-PutRecord': 'Amazon Kinesis Data Streams',
  'StepFunctions-StartExecution': 'AWS Step Functions',
  'StepFunctions-StartSyncExecution': 'AWS Step Functions',
  'StepFunctions-StopExecution': 'AWS Step Functions',
};

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/;
const REFERENCE = /\$(request\.body(?:\.[A-Za-z0-9_-]+|\[\d+\])*|request\.(?:header|querystring|path)\.[A-Za-z0-9_-]+|request\.path\b|context\.[A-Za-z0-9_.]+|stageVariables\.[A-Za-z0-9_]+)/g;

export interface SubtypeFields {
  IntegrationSubtype: string;
  CredentialsArn?: string;
  IntegrationUri?: string;
  ConnectionType?: string;
  PayloadFormatVersion?: string;
  RequestParameters?: Record<string, string>;
}

/** Checks an AWS service integration at CreateIntegration/UpdateIntegration/import; returns its payload format version. */
export function checkSubtype(f: SubtypeFields): string {
  const name = f.IntegrationSubtype;
  const spec = RUNNABLE[name];
  if (!spec) {
    if (ABSENT[name]) throw badRequest(`Integration subtype ${name} is not supported by Cumulus: Cumulus has no ${ABSENT[name]} service. Supported subtypes: ${Object.keys(RUNNABLE).join(', ')}.`);
    throw badRequest(`Invalid integration subtype specified: ${name}`);
  }
  if (f.ConnectionType === 'VPC_LINK') throw badRequest('ConnectionType VPC_LINK is not supported for AWS service integrations.');
  if (f.IntegrationUri) throw badRequest(`IntegrationUri must not be specified for integrations with subtype ${name}.`);
  if (!f.CredentialsArn) throw badRequest(`CredentialsArn is required for integrations with subtype ${name}.`);
  if (!ROLE_ARN.test(f.CredentialsArn)) throw badRequest(`Invalid ARN specified in the request: ${f.CredentialsArn}. CredentialsArn must be the ARN of an IAM role.`);
  const pfv = f.PayloadFormatVersion ?? '1.0';
  if (pfv !== '1.0') throw badRequest(`Invalid payload format version '${pfv}' for AWS service integrations. Supported version is 1.0.`);
  const params = f.RequestParameters ?? {};
  const known = new Set([...spec.required, ...spec.optional]);
  for (const k of Object.keys(params)) {
    if (!known.has(k)) throw badRequest(`Invalid request parameter specified: ${k} is not a parameter of integration subtype ${name}. Supported parameters: ${[...known].join(', ')}.`);
  }
  for (const v of Object.values(params)) {
    // every $request/$context/$stageVariables reference must be one API Gateway can evaluate
    const rest = v.replace(REFERENCE, '');
    if (/\$(request|context|stageVariables)\b/.test(rest)) throw badRequest(`Invalid mapping expression specified: ${v}`);
  }
  const missing = spec.required.filter((k) => !params[k]);
  if (missing.length) throw badRequest(`Missing required parameters for integration subtype ${name}: ${missing.join(', ')}`);
  return pfv;
}

const text = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

/** A parameter's value: a literal, one reference (JSON values from the body kept as JSON text), or text with
 * references in it; undefined when a reference is missing (the parameter is then not sent). */
export function parameterValue(req: HttpApiRequest, expr: string): string | undefined {
  REFERENCE.lastIndex = 0;
  const whole = new RegExp(`^${REFERENCE.source}$`).exec(expr);
  if (whole) {
    const v = reference(req, whole[1]!);
    return v === undefined || v === null ? undefined : text(v);
  }
  let missing = false;
  const out = expr.replace(REFERENCE, (_, ref: string) => {
    const v = reference(req, ref);
    if (v === undefined || v === null) missing = true;
    return missing ? '' : text(v);
  });
  return missing ? undefined : out;
}

/** PutEvents' Time is a timestamp: epoch seconds on the JSON wire. */
function timestamp(v: string): number | string {
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v);
  const ms = Date.parse(v);
  return Number.isFinite(ms) ? ms / 1000 : v;
}

function putEventsBody(p: Record<string, string>): Record<string, unknown> {
  const entry: Record<string, unknown> = { Source: p.Source, DetailType: p.DetailType, Detail: p.Detail };
  if (p.EventBusName !== undefined) entry.EventBusName = p.EventBusName;
  if (p.Time !== undefined) entry.Time = timestamp(p.Time);
  if (p.TraceHeader !== undefined) entry.TraceHeader = p.TraceHeader;
  if (p.Resources !== undefined) {
    let r: unknown = undefined;
    try {
      r = JSON.parse(p.Resources);
    } catch {
      /* a single ARN or a comma-separated list */
    }
    entry.Resources = Array.isArray(r) ? r.map(String) : p.Resources.split(',').map((s) => s.trim()).filter(Boolean);
  }
  return { Entries: [JSON.parse(JSON.stringify(entry)) as Record<string, unknown>] };
}

/** Runs the integration: assumes the role, calls the service as it, answers with the service's answer. */
export async function callServiceIntegration(req: HttpApiRequest, integration: IntegrationRecord): Promise<Answer> {
  const params: Record<string, string> = {};
  for (const [k, expr] of Object.entries(integration.RequestParameters ?? {})) {
    const v = parameterValue(req, expr);
    if (v !== undefined) params[k] = v;
  }
  // the REST side's AWS-call path, with what it reads of a request
  const shim: AwsCallRequest = { runtime: req.runtime, account: req.account, region: req.region, apiId: req.api.ApiId, stage: { stageName: req.stage.StageName }, requestId: req.requestId, execLog: undefined };
  const role = integration.CredentialsArn!;
  if (!assumable(shim, role)) {
    req.runtime.log.warn(`apigatewayv2 ${req.api.ApiId}/${req.stage.StageName} ${req.requestId}: ${cannotAssume(role)}`);
    throw internalError();
  }
  const region = params.Region || req.region;
  const body = Buffer.from(JSON.stringify(putEventsBody(params)));
  let a;
  try {
    a = await callAwsService(shim, { credentials: role }, {
      target: { region, service: 'events', kind: 'action', value: 'PutEvents' },
      method: 'POST',
      path: '/',
      query: new URLSearchParams(),
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSEvents.PutEvents' },
      body,
      timeoutMs: integration.TimeoutInMillis,
    });
  } catch (e) {
    if (e instanceof GatewayError) throw e;
    // the REST flavour's errors: past the timeout HTTP APIs answer 503, anything else 500
    if ((e as { type?: string }).type === 'INTEGRATION_TIMEOUT') throw serviceUnavailable();
    req.runtime.log.warn(`apigatewayv2 ${req.api.ApiId}/${req.stage.StageName} ${req.requestId}: AWS service integration failed: ${(e as Error).message}`);
    throw internalError();
  }
  return { status: a.status, headers: { 'content-type': 'application/json' }, body: a.body };
}
