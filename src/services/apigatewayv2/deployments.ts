// CreateDeployment snapshots the API (and points a stage at it when StageName is given); Get/Update/Delete.
import type { Apigatewayv2Operations } from '../../generated/apigatewayv2.js';
import { regional } from '../../server/context.js';
import type { Handlers } from '../define.js';
import { createDeployment } from './deploy.js';
import { badRequest, notFound } from './errors.js';
import { apiOf, page, stageOf } from './lookup.js';
import { tables, type DeploymentRecord } from './store.js';

const view = (d: DeploymentRecord) => ({
  AutoDeployed: d.AutoDeployed,
  CreatedDate: new Date(d.CreatedDate),
  DeploymentId: d.DeploymentId,
  DeploymentStatus: 'DEPLOYED' as const,
  Description: d.Description,
});

export const deploymentHandlers: Handlers<Apigatewayv2Operations> = {
  CreateDeployment(ctx, { ApiId, Description, StageName }) {
    const api = apiOf(ctx, ApiId);
    const stage = StageName !== undefined ? stageOf(ctx, ApiId, StageName) : undefined;
    if (stage?.AutoDeploy) throw badRequest(`Unable to deploy to stage ${StageName} because AutoDeploy is enabled for it.`);
    if (!Object.keys(api.routes).length) throw badRequest('Unable to deploy API because no routes exist in this API');
    for (const r of Object.values(api.routes)) {
      if (!r.Target) continue;
      const id = r.Target.slice('integrations/'.length);
      if (!api.integrations[id]) throw badRequest(`Unable to deploy API: route ${r.RouteKey} targets integration ${id}, which does not exist.`);
    }
    const d = createDeployment(ctx, api, false, Description);
    if (stage) {
      stage.DeploymentId = d.DeploymentId;
      stage.LastDeploymentStatusMessage = `Successfully deployed stage with deployment ID '${d.DeploymentId}'`;
      stage.LastUpdatedDate = ctx.clock.now();
      tables(ctx.store).stages.put(regional(ctx), `${ApiId}/${stage.StageName}`, stage);
    }
    return view(d);
  },
  GetDeployment(ctx, { ApiId, DeploymentId }) {
    apiOf(ctx, ApiId);
    const d = tables(ctx.store).deployments.get(regional(ctx), `${ApiId}/${DeploymentId}`);
    if (!d) throw notFound(`Invalid Deployment identifier specified ${ctx.account}:${ApiId}:${DeploymentId}`, 'Deployment');
    return view(d);
  },
  GetDeployments(ctx, input) {
    apiOf(ctx, input.ApiId);
    const all = tables(ctx.store).deployments.list(regional(ctx)).filter((d) => d.ApiId === input.ApiId).map(view);
    return page(all, (d) => d.DeploymentId, input);
  },
  UpdateDeployment(ctx, { ApiId, DeploymentId, Description }) {
    apiOf(ctx, ApiId);
    const t = tables(ctx.store).deployments;
    const d = t.get(regional(ctx), `${ApiId}/${DeploymentId}`);
    if (!d) throw notFound(`Invalid Deployment identifier specified ${ctx.account}:${ApiId}:${DeploymentId}`, 'Deployment');
    if (Description !== undefined) d.Description = Description;
    t.put(regional(ctx), `${ApiId}/${DeploymentId}`, d);
    return view(d);
  },
  DeleteDeployment(ctx, { ApiId, DeploymentId }) {
    apiOf(ctx, ApiId);
    const t = tables(ctx.store);
    const scope = regional(ctx);
    if (!t.deployments.has(scope, `${ApiId}/${DeploymentId}`)) throw notFound(`Invalid Deployment identifier specified ${ctx.account}:${ApiId}:${DeploymentId}`, 'Deployment');
    const using = t.stages.list(scope).filter((s) => s.ApiId === ApiId && s.DeploymentId === DeploymentId);
    if (using.length) throw badRequest(`Active stages pointing to this deployment must be moved or deleted: ${using.map((s) => s.StageName).join(', ')}`);
    t.deployments.delete(scope, `${ApiId}/${DeploymentId}`);
  },
};
