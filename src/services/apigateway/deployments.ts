// Deployments: a deployment freezes the API's definition; stages serve a deployment, so later changes to the
// API reach a stage only when it is redeployed.
import type { ApigatewayOperations, Deployment, MethodSnapshot } from '../../generated/apigateway.js';
import { regional, type RequestContext } from '../../server/context.js';
import type { Handlers } from '../define.js';
import { badRequest, notFound } from './errors.js';
import { newId } from './ids.js';
import { apiOf, page } from './lookup.js';
import { applyPatches, type PatchRule } from './patch.js';
import { checkCanary, createOrRepointStage } from './stages.js';
import { tables, type ApiDefinition, type ApiRecord, type DeploymentRecord } from './store.js';

function snapshotOf(api: ApiRecord): ApiDefinition {
  const { name, binaryMediaTypes, apiKeySource, minimumCompressionSize, policy, rootResourceId, resources, models, validators, authorizers, gatewayResponses } = api;
  return structuredClone({ name, binaryMediaTypes, apiKeySource, minimumCompressionSize, policy, rootResourceId, resources, models, validators, authorizers, gatewayResponses });
}

function summary(def: ApiDefinition): Record<string, Record<string, MethodSnapshot>> {
  const out: Record<string, Record<string, MethodSnapshot>> = {};
  for (const r of Object.values(def.resources)) {
    for (const m of Object.values(r.methods)) (out[r.path] ??= {})[m.httpMethod] = { authorizationType: m.authorizationType, apiKeyRequired: m.apiKeyRequired };
  }
  return out;
}

export function deploymentView(d: DeploymentRecord, withSummary = false): Deployment {
  return { id: d.id, description: d.description, createdDate: new Date(d.createdDate), apiSummary: withSummary ? summary(d.snapshot) : undefined };
}

export function deploymentOf(ctx: RequestContext, restApiId: string, deploymentId: string): DeploymentRecord {
  const d = tables(ctx.store).deployments.get(regional(ctx), `${restApiId}/${deploymentId}`);
  if (!d) throw notFound('Invalid Deployment identifier specified');
  return d;
}

export const deploymentHandlers: Handlers<ApigatewayOperations> = {
  CreateDeployment(ctx, input) {
    const api = apiOf(ctx, input.restApiId);
    const methods = Object.values(api.resources).flatMap((r) => Object.values(r.methods));
    if (!methods.length) throw badRequest("The REST API doesn't contain any methods");
    if (methods.some((m) => !m.methodIntegration)) throw badRequest('No integration defined for method');
    if (api.endpointConfiguration?.types?.includes('PRIVATE') && !api.policy) throw badRequest("Private REST API doesn't have a resource policy attached to it");
    const d: DeploymentRecord = { id: newId(), apiId: api.id, description: input.description, createdDate: ctx.clock.now(), snapshot: snapshotOf(api) };
    tables(ctx.store).deployments.put(regional(ctx), `${api.id}/${d.id}`, d);
    if (input.canarySettings) {
      // a canary deployment: the stage keeps its deployment; the canary serves the new one
      if (!input.stageName) throw badRequest('A stage name is required for a canary deployment');
      const stage = tables(ctx.store).stages.get(regional(ctx), `${api.id}/${input.stageName}`);
      if (!stage) throw badRequest(`Invalid stage identifier specified: ${input.stageName}`);
      stage.canarySettings = { ...input.canarySettings, deploymentId: d.id };
      checkCanary(ctx, api.id, stage.canarySettings);
      stage.lastUpdatedDate = ctx.clock.now();
      tables(ctx.store).stages.put(regional(ctx), `${api.id}/${input.stageName}`, stage);
    } else if (input.stageName) {
      createOrRepointStage(ctx, api.id, input.stageName, d.id, {
        description: input.stageDescription,
        variables: input.variables,
        cacheClusterEnabled: input.cacheClusterEnabled,
        cacheClusterSize: input.cacheClusterSize,
        tracingEnabled: input.tracingEnabled,
      });
    }
    return deploymentView(d);
  },
  GetDeployment(ctx, { restApiId, deploymentId, embed }) {
    apiOf(ctx, restApiId);
    return deploymentView(deploymentOf(ctx, restApiId, deploymentId), !!embed?.includes('apisummary'));
  },
  GetDeployments(ctx, { restApiId, position, limit }) {
    apiOf(ctx, restApiId);
    const all = tables(ctx.store).deployments.list(regional(ctx)).filter((d) => d.apiId === restApiId);
    const p = page(all, (d) => d.id, position, limit);
    return { items: p.items.map((d) => deploymentView(d)), position: p.position };
  },
  UpdateDeployment(ctx, { restApiId, deploymentId, patchOperations }) {
    apiOf(ctx, restApiId);
    const d = deploymentOf(ctx, restApiId, deploymentId);
    const rules: PatchRule[] = [{ path: '/description', ops: ['replace'] }];
    applyPatches(d, patchOperations, rules);
    tables(ctx.store).deployments.put(regional(ctx), `${restApiId}/${d.id}`, d);
    return deploymentView(d);
  },
  DeleteDeployment(ctx, { restApiId, deploymentId }) {
    apiOf(ctx, restApiId);
    deploymentOf(ctx, restApiId, deploymentId);
    const t = tables(ctx.store);
    if (t.stages.list(regional(ctx)).some((s) => s.apiId === restApiId && s.deploymentId === deploymentId)) {
      throw badRequest('Active stages pointing to this deployment must be moved or deleted');
    }
    t.deployments.delete(regional(ctx), `${restApiId}/${deploymentId}`);
  },
};
