// TestInvokeMethod: runs a method of the API as it is now (not as deployed), without authorization or API
// keys, as the console's test does; the answer carries the status, headers, body, latency and a log.
import { randomUUID } from 'node:crypto';
import type { ApigatewayOperations } from '../../generated/apigateway.js';
import type { RequestContext } from '../../server/context.js';
import type { Handlers } from '../define.js';
import { clientCertificateOf } from './client-certs.js';
import { GatewayError, renderGatewayError, type Answer } from './gateway-errors.js';
import { runIntegration } from './integration-run.js';
import { apiOf, methodOf, resourceOf } from './lookup.js';
import type { ApiRequest } from './request.js';
import { Router } from './router.js';
import type { StageRecord } from './store.js';
import { validateRequest } from './validation.js';

export const testInvokeHandlers: Handlers<ApigatewayOperations> = {
  async TestInvokeMethod(ctx: RequestContext, input) {
    const api = apiOf(ctx, input.restApiId);
    const resource = resourceOf(api, input.resourceId);
    const method = methodOf(api, input.resourceId, input.httpMethod);
    const pq = input.pathWithQueryString ?? resource.path;
    const q = pq.indexOf('?');
    const path = q >= 0 ? pq.slice(0, q) : pq;
    const segments = path.split('/').filter(Boolean).map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
    const routed = new Router(api).resolve(segments);
    const headers: Record<string, string | string[]> = {};
    const rawHeaders: string[] = [];
    for (const [k, v] of Object.entries(input.headers ?? {})) {
      headers[k.toLowerCase()] = v;
      rawHeaders.push(k, v);
    }
    for (const [k, vs] of Object.entries(input.multiValueHeaders ?? {})) {
      headers[k.toLowerCase()] = vs;
      for (const v of vs) rawHeaders.push(k, v);
    }
    const now = ctx.clock.now();
    const stage: StageRecord = {
      apiId: api.id,
      stageName: 'test-invoke-stage',
      deploymentId: 'test-invoke-deployment-id',
      cacheClusterEnabled: false,
      variables: input.stageVariables ?? {},
      // presented to an https backend, as a stage's would be
      clientCertificateId: input.clientCertificateId ? clientCertificateOf(ctx, input.clientCertificateId).clientCertificateId : undefined,
      methodSettings: {},
      tracingEnabled: false,
      tags: {},
      createdDate: now,
      lastUpdatedDate: now,
    };
    const req: ApiRequest = {
      runtime: ctx,
      account: ctx.account,
      region: ctx.region,
      apiId: api.id,
      def: api,
      stage,
      httpMethod: method.httpMethod === 'ANY' ? input.httpMethod.toUpperCase() : method.httpMethod,
      path: path || '/',
      segments,
      query: new URLSearchParams(q >= 0 ? pq.slice(q + 1) : ''),
      rawHeaders,
      headers,
      body: Buffer.from(input.body ?? ''),
      sourceIp: 'test-invoke-source-ip',
      domainName: 'testPrefix.testDomainName',
      domainPrefix: 'testPrefix',
      requestId: randomUUID(),
      extendedRequestId: randomUUID().slice(0, 14),
      requestTimeEpoch: now,
      route: { resource, method, pathParameters: routed && routed.resource.id === resource.id ? routed.pathParameters : {}, settingKey: `${resource.path.replace(/^\//, '')}/${method.httpMethod}` },
    };
    const t0 = performance.now();
    const log: string[] = [`Execution log for request ${req.requestId}`, `${new Date(now).toUTCString()} : Starting execution for request: ${req.requestId}`, `${new Date(now).toUTCString()} : HTTP Method: ${req.httpMethod}, Resource Path: ${pq}`];
    let answer: Answer;
    try {
      validateRequest(req);
      answer = await runIntegration(req);
      log.push(`${new Date(ctx.clock.now()).toUTCString()} : Method completed with status: ${answer.status}`);
    } catch (e) {
      if (!(e instanceof GatewayError)) throw e;
      answer = renderGatewayError(req, e);
      log.push(`${new Date(ctx.clock.now()).toUTCString()} : Method completed with status: ${answer.status} (${e.message})`);
    }
    const single: Record<string, string> = {};
    const multi: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(answer.headers)) {
      const name = k.replace(/(^|-)([a-z])/g, (_, d: string, ch: string) => d + ch.toUpperCase());
      single[name] = v;
      multi[name] = [v];
    }
    return { status: answer.status, body: answer.body.toString('utf8'), headers: single, multiValueHeaders: multi, log: log.join('\n') + '\n', latency: Math.round(performance.now() - t0) };
  },
};
